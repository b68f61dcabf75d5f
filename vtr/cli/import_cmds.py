"""`vtr import` and `vtr export`: embedding files in as ordinary variants, and out again."""

from __future__ import annotations

from pathlib import Path

import typer

from vtr.cli.common import JsonFlag, WarehouseArg, console, print_json, reports_errors
from vtr.ingest.importers import formats_help


@reports_errors
def import_(
    warehouse: WarehouseArg,
    sources: list[Path] = typer.Argument(..., help="Files or folders to import."),
    dataset: str = typer.Option(..., help="Registered dataset the items belong to."),
    modality: str = typer.Option(..., help="video (one row per video) or text (per caption)."),
    format: str = typer.Option("auto", help="Format of SOURCE (see the list above); auto: detect."),
    backbone: str = typer.Option(
        None,
        help="Name of where the vectors came from; the variant's backbone becomes "
        "import:NAME (default: the first source's name).",
    ),
    layer: str = typer.Option("final", help="Layer field of the variant id."),
    pooling: str = typer.Option("embed", help="Token-pooling field of the variant id."),
    temporal: str = typer.Option(
        "mean",
        help="Video: pooling over the rows of a 2-D (T, D) file: mean, max, first, sum, or seq "
        "(keep the sequence: a `seq` variant for transformer heads). 1-D files: a label only.",
    ),
    frames: int = typer.Option(
        None, min=1, help="Frame count of the variant id (default: rows per file, 1 for 1-D)."
    ),
    naming: str = typer.Option(
        "auto",
        help="Text files: caption-id (<caption_id>.npy), video-n (<video_id>-<n>.npy, the n-th "
        "caption of that video in annotation-file order, 1-based), qid (qid<qid>.npz query "
        "features of a moment dataset), or auto (any of them).",
    ),
    key: str = typer.Option(None, help="Array of an .npz (or entry of a .pt dict) to read."),
    allow_pickle: bool = typer.Option(
        False, "--allow-pickle", help="Load .pt/.pth and pickled .npy (unpickling can run code)."
    ),
    allow_extra: bool = typer.Option(
        False, "--allow-extra", help="Skip ids the dataset does not have instead of failing."
    ),
    id_column: str = typer.Option(None, help="Tables: the id column (default: id, video_id ...)."),
    vector_column: str = typer.Option(
        None, help="Tables: the vector column (default: the list column)."
    ),
    clips: str = typer.Option(
        None,
        "--clips",
        help="Clip-level video features, one row per clip of this length (e.g. 2s): "
        "QVHighlights-style <video_id>.npz (n_clips, D) folders (several folders = feature "
        "sets concatenated per clip) or <video_id>/chunk_<i>.pt folders; for `vtr train "
        "moments` / `vtr predict steps`.",
    ),
    layout: str = typer.Option(
        "auto", "--layout", help="With --clips: video-files, chunk-folders or auto (detect)."
    ),
    normalize: bool = typer.Option(
        True,
        "--normalize/--no-normalize",
        help="With --clips video-files: L2-normalise each feature set before concatenating "
        "(as Moment-DETR does).",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Import embeddings from files as an ordinary variant (eval, train, index, reports).

    Every file is checked first (one dim, no NaN/Inf, ids of the dataset, no duplicates);
    then one commit writes all rows, so a failed import leaves nothing. Running it again
    is a no-op; new files add only their items. Provenance (source, format, file count,
    content hash) is in the variant's catalog row (`vtr variants --json`).

    Formats:

    FORMATS

    Examples:

      vtr import wh/ --dataset msrvtt --modality video --format npy
        --backbone clip-vit-h14 feats/videos/

      vtr import wh/ --dataset msrvtt --modality text --format npy --naming video-n feats/texts/

      vtr import wh/ --dataset msrvtt --modality video --format npy --temporal seq frames/

      vtr import wh/ --dataset msrvtt --modality video --format parquet
        --id-column video_id --vector-column emb videos.parquet

      vtr import wh/ --dataset msrvtt --modality video --format clip-retrieval embeddings/

      vtr import wh/ --dataset qvh --modality video --clips 2s --backbone sf+clip
        slowfast_features/ clip_features/

      vtr import wh/ --dataset qvh --modality text --format npz --key pooler_output
        --naming qid clip_text_features/
    """
    from vtr.ingest.importers.run import import_embeddings
    from vtr.warehouse import open_warehouse

    if clips is not None:
        _import_clips(warehouse, dataset, modality, sources, clips, backbone, layout, key,
                      allow_pickle, allow_extra, normalize, as_json)  # fmt: skip
        return
    with open_warehouse(warehouse) as wh:
        result = import_embeddings(
            wh, dataset, modality, sources, format, backbone, layer, pooling, temporal, frames,
            naming, allow_extra, key, allow_pickle, id_column, vector_column,
        )  # fmt: skip
    if as_json:
        print_json(result.as_dict())
        return
    skipped = f", {result.skipped_extra} extra id(s) skipped" if result.skipped_extra else ""
    console.print(
        f"{result.variant_id}: {result.written} written, {result.already_present} already "
        f"present{skipped} ({result.files} files, {result.content_hash[:19]}...)",
        highlight=False,
    )


def _import_clips(warehouse, dataset, modality, sources, clips, backbone, layout, key,
                  allow_pickle, allow_extra, normalize, as_json) -> None:  # fmt: skip
    from vtr.errors import ImportInputError
    from vtr.ingest.clips import parse_clip_len
    from vtr.ingest.importers.clips import import_clip_features
    from vtr.warehouse import open_warehouse

    if modality != "video":
        raise ImportInputError("--clips imports video clip features: give --modality video")
    try:
        clip_len = parse_clip_len(clips)
    except ValueError as err:
        raise ImportInputError(str(err)) from None
    with open_warehouse(warehouse) as wh:
        result = import_clip_features(wh, dataset, sources, clip_len, backbone, layout, key,
                                      allow_pickle, allow_extra, normalize)  # fmt: skip
    if as_json:
        print_json(result.as_dict())
        return
    console.print(
        f"{result.variant_id}: {result.written} clips of {result.videos} videos written, "
        f"{result.already_present} videos already present",
        highlight=False,
    )


import_.__doc__ = (import_.__doc__ or "").replace("FORMATS", formats_help().replace("\n", "\n    "))


@reports_errors
def export(
    warehouse: WarehouseArg,
    variant: str = typer.Argument(..., help="Variant id (see `vtr variants`)."),
    out: Path = typer.Argument(..., help="Folder (npy, npz) or file (parquet) to create."),
    format: str = typer.Option(
        "npy",
        help="npy, npz (one file per item), parquet, or clips (a clip-level variant as "
        "QVHighlights-style <video_id>.npz of shape (n_clips, D)).",
    ),
    dataset: str = typer.Option(None, help="Dataset to export (default: the variant's only one)."),
    naming: str = typer.Option(
        "caption-id",
        help="Text files: caption-id or video-n (<video_id>-<n>, 1-based, annotation order).",
    ),
    key: str = typer.Option("features", help="npz: the array name."),
    as_json: JsonFlag = False,
) -> None:
    """Export a variant's vectors as files that `vtr import` reads back bit-identical.

    A `seq` variant goes out as (T, D) arrays. Nothing is left behind when it fails.

    Examples:

      vtr export wh/ video/open_clip:ViT-B-32:openai/final/embed/mean/8f videos/

      vtr export wh/ text/st:minilm/final/embed texts/ --naming video-n

      vtr export wh/ text/st:minilm/final/embed texts.parquet --format parquet

      vtr export wh/ video/open_clip:ViT-B-32:openai/final/embed/clip2s-mean/2f qvh/ --format clips
    """
    from vtr.ingest.importers.export import export_variant
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse, read_only=True) as wh:
        summary = export_variant(wh, variant, out, format, dataset, naming, key)
    if as_json:
        print_json(summary)
        return
    console.print(f"{summary['items']} items of {variant} -> {summary['out']}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(export)
