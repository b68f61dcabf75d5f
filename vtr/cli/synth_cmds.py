"""`vtr synth retrieval` (a synthetic corpus) and `vtr add-dataset` (register annotations)."""

from __future__ import annotations

from pathlib import Path

import typer

from vtr.cli.common import (
    CorpusDirArg,
    FilesSeedOpt,
    FpsOpt,
    SizeOpt,
    WarehouseArg,
    console,
    print_json,
    reports_errors,
)
from vtr.ingest.datasets import formats_help
from vtr.registry import FORMATS

ANNOTATION_FORMATS = formats_help()  # from vtr.registry.FORMATS
FORMAT_NAMES = ", ".join(FORMATS.names())


synth_app = typer.Typer(
    help=(
        "Generate synthetic corpora with real MP4s, for tests, demos and sanity checks.\n\n"
        "Example: vtr synth retrieval corpus/ --videos 300 --seed 0"
    ),
    no_args_is_help=True,
)


@synth_app.command("retrieval")
@reports_errors
def retrieval(
    out_dir: CorpusDirArg,
    videos: int = typer.Option(
        300, min=1, max=1600, help="Number of videos (each a distinct combination, 1-1600)."
    ),
    seed: FilesSeedOpt = 0,
    frames: int = typer.Option(24, min=1, help="Frames per video."),
    fps: FpsOpt = 12,
    size: SizeOpt = 64,
    direction_twins: float = typer.Option(
        0.0,
        "--direction-twins",
        min=0.0,
        max=1.0,
        help="Share of videos that come in pairs differing only in motion direction "
        "(left/right, up/down), in the same split: only frame order tells them apart.",
    ),
) -> None:
    """Write a synthetic retrieval corpus: real MP4s + MSR-VTT JSON.

    Each video shows one shape (5) of one colour (10) on one plain
    background (4) with one motion (8); every video is a different
    combination. Writes DIR/videos/<video_id>.mp4 and DIR/annotations.json
    (70/10/20 train/val/test, 20 categories = shape x motion group).
    Captions range from ambiguous ("a red shape") to long ones naming every
    attribute. Prints the annotations path last on stdout.

    Examples:

      vtr synth retrieval corpus/ --videos 300 --seed 0

      vtr add-dataset wh/ synth --annotations corpus/annotations.json
        --videos corpus/videos
    """
    from vtr.ingest.synthetic import check_corpus_args, generate_retrieval_corpus
    from vtr.progress import progress_bar

    try:
        check_corpus_args(videos, frames, fps, size)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    with progress_bar() as progress:
        task = progress.add_task("synthesizing videos", total=videos)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        path = generate_retrieval_corpus(
            out_dir,
            videos,
            seed=seed,
            frames=frames,
            fps=fps,
            size=size,
            progress=advance,
            direction_twins=direction_twins,
        )
    typer.echo(str(path))


@reports_errors
def add_dataset(
    warehouse: WarehouseArg,
    name: str = typer.Argument(..., help="Dataset name in the catalog (any text)."),
    annotations: Path = typer.Option(
        ...,
        help="Annotation file in one of the formats (see --format): " + ANNOTATION_FORMATS + ".",
    ),
    videos: Path = typer.Option(
        None, help="Folder holding <video_id>.mp4 files; missing files are recorded."
    ),
    format: str = typer.Option(
        "auto",
        "--format",
        help="auto (by extension and the first record's fields) or one of: " + FORMAT_NAMES + ".",
    ),
    split_map: list[str] = typer.Option(
        [],
        "--split-map",
        help="Rename a split, e.g. Training=train (repeat); splits must end as train, val or test.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print only the JSON summary (it is always printed)."
    ),
) -> None:
    """Register a dataset: categories, videos and captions into the catalog.

    Re-running with the same files adds nothing. Videos listed in the
    annotations but missing from --videos are recorded, not fatal (see
    `vtr errors WAREHOUSE`). Prints a JSON summary on stdout.

    Examples:

      vtr add-dataset wh/ msrvtt-1ka --annotations MSRVTT_JSFUSION_test.csv
        --videos MSRVTT/videos/all

      vtr add-dataset wh/ "msr-vtt full" --annotations MSRVTT_data.json
        --videos MSRVTT/videos/all
    """
    from vtr.ingest.datasets import register_dataset
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse) as wh:
        try:
            summary = register_dataset(
                wh, name, annotations, videos, format=format, split_map=_split_map(split_map)
            )
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    if summary["missing_videos"] and not as_json:
        console.print(
            f"{summary['missing_videos']} listed video file(s) not found; "
            f"see `vtr errors {warehouse} --run {summary['run_id']}`",
            highlight=False,
        )
    print_json(summary)


def synthesize(generate, out_dir: Path, videos: int, label: str, **options) -> None:
    """Run a corpus generator `generate(out_dir, videos, progress=..., **options)` under a
    progress bar; a ValueError becomes a usage error; prints the folder last."""
    from vtr.progress import progress_bar

    with progress_bar() as progress:
        task = progress.add_task(label, total=videos)
        try:
            path = generate(
                out_dir,
                videos,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                **options,
            )
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the `synth` sub-app and the `add-dataset` command to `app`."""
    app.add_typer(synth_app, name="synth")
    app.command("add-dataset")(add_dataset)


def _split_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or new not in ("train", "val", "test"):
            raise typer.BadParameter(
                f"--split-map {pair!r}: give NAME=train, NAME=val or NAME=test"
            )
        mapping[old] = new
    return mapping
