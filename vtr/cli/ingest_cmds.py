"""`vtr ingest`: decode and embed a dataset's videos and captions into the warehouse."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from vtr.cli.common import JsonFlag, WarehouseArg, console, print_json, reports_errors
from vtr.errors import IngestIncomplete
from vtr.ingest.datasets import formats_help

ANNOTATION_FORMATS = formats_help()  # from vtr.registry.FORMATS


@reports_errors
def ingest(
    warehouse: WarehouseArg,
    dataset: str = typer.Option(..., help="Dataset name in the catalog."),
    annotations: Path = typer.Option(
        None,
        help="Register the dataset from this file first; its format is detected: "
        + ANNOTATION_FORMATS
        + ".",
    ),
    videos: Path = typer.Option(None, help="Folder of the dataset's videos (<video_id>.mp4)."),
    video_backbone: list[str] = typer.Option(
        [], help="Video backbone spec; repeat for several. See `vtr backbones`."
    ),
    text_backbone: list[str] = typer.Option([], help="Text backbone spec; repeat for several."),
    frames: int = typer.Option(8, min=1, help="Frames sampled uniformly per video (at least 1)."),
    temporal: str = typer.Option(
        "mean",
        help="Temporal pooling(s) of frames, comma-separated: mean, max, first, sum, seq "
        "(keep the per-frame sequence, input for transformer heads).",
    ),
    layers: str = typer.Option(
        None,
        help="Hidden layers to tap, e.g. 4,8,-1 (negative = from the end) or all; "
        "default: only the model's own output (final/embed).",
    ),
    poolings: str = typer.Option(
        "first,last,mean,max,sum", help="Token poolings of every tapped layer, comma-separated."
    ),
    batch_size: int = typer.Option(16, min=1, help="Videos per forward pass (at least 1)."),
    workers: int = typer.Option(
        None,
        help="Decoding workers (default: up to 2); with --engine ray, actors "
        "(default: one per GPU, else half the CPUs).",
    ),
    engine: str = typer.Option(
        "local", help="local (this process) or ray (a Ray Data actor pool decodes and embeds)."
    ),
    address: str = typer.Option(
        None, help="With --engine ray: the cluster to join (default: start a local one)."
    ),
    device: str = typer.Option(None, help="cpu, cuda, cuda:1 ... (default: cuda if present)."),
    seed: int = typer.Option(0, help="Seed for randomly initialised backbones."),
    commit_every: int = typer.Option(
        256,
        "--commit-every",
        min=1,
        help="Commit written rows and mark their items done every K videos (or captions); "
        "a killed ingest redoes at most the items after its last commit.",
    ),
    clips: str = typer.Option(
        None, "--clips", help="Clip-level ingest: one row per clip of this length (e.g. 2s)."
    ),
    frames_per_clip: int | None = typer.Option(
        None,
        "--frames-per-clip",
        min=1,
        help="With --clips: frames per clip (default 4 for a step dataset, else 2).",
    ),
    clip_captions: Path = typer.Option(
        None,
        "--clip-captions",
        help="With --clips: per-clip captions JSONL (vid, clip_id, caption).",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Embed every video and caption of a dataset with each backbone, into LanceDB.

    Each (backbone, layer, pooling[, temporal]) is a variant with its own Lance table and
    catalog row; all of a backbone's variants come from one forward pass per batch.
    Re-running skips what is complete; bad videos are recorded (see `vtr errors`) and the
    command exits with code 3 when some items failed.

    Example:
      vtr ingest wh/ --dataset synth --annotations corpus/annotations.json
        --videos corpus/videos --video-backbone open_clip:vtr-tiny-vit:random
        --text-backbone open_clip:vtr-tiny-vit:random --text-backbone st:minilm
      vtr ingest wh/ --dataset synth --video-backbone open_clip:vtr-tiny-vit:random
        --layers 1,-1 --poolings first,mean,max --temporal mean,max

    Clip level (moment retrieval, step grounding): add `--clips 2s [--frames-per-clip N]
    [--clip-captions clip_captions.jsonl]`.
    """
    from vtr.ingest.checks import check_ingest_options, check_video_folder

    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"--engine must be local or ray, not {engine!r}")
    if engine != "ray" and address is not None:
        raise typer.BadParameter("--address needs --engine ray")
    if engine == "ray" and workers is not None and workers < 1:
        raise typer.BadParameter(f"--workers must be at least 1 actor, not {workers}")
    if engine == "ray" and clips is not None:
        raise typer.BadParameter(
            "--engine ray ingests whole videos; run --clips with the local engine"
        )

    # checked before torch, the models, Ray or the catalog are loaded: a bad spec or
    # option fails at once, and nothing is registered
    check_video_folder(videos)
    if not video_backbone and not text_backbone and annotations is not None:
        _register_only(warehouse, dataset, annotations, videos)
        return
    check_ingest_options(video_backbone, text_backbone, frames, batch_size)

    from vtr.cli.moment_cmds import ingest_clip_rows
    from vtr.ingest.datasets import register_dataset
    from vtr.warehouse import open_warehouse

    # torch loads before the catalog opens (the catalog is held only while needed);
    # Ray starts its local cluster before anything loads Lance in this process
    local = _engine(engine) if engine == "local" else None
    with _engine_session(engine, address), open_warehouse(warehouse) as wh:
        if annotations is not None:
            register_dataset(wh, dataset, annotations, videos)
        if clips is not None:
            summary = ingest_clip_rows(
                wh, dataset, video_backbone, text_backbone, clips, frames_per_clip,
                clip_captions, workers or 0, device, seed,
            )  # fmt: skip
        else:
            summary = (local or _engine(engine))(
                wh,
                dataset,
                video_backbones=video_backbone,
                text_backbones=text_backbone,
                frames=frames,
                temporal=temporal,
                layers=layers,
                poolings=poolings,
                batch_size=batch_size,
                workers=workers,
                device=device,
                seed=seed,
                commit_every=commit_every,
            )
    if as_json:
        print_json(summary.as_dict())
    else:
        for result in summary.variants:
            console.print(
                f"{result.variant_id}: {result.written} written, "
                f"{result.already_present} already present, {result.failed} failed",
                highlight=False,
            )
    if summary.failed:
        raise IngestIncomplete(
            f"{summary.failed} item(s) failed in run {summary.run_id}; "
            f"see `vtr errors {warehouse} --run {summary.run_id}`"
        )


def _register_only(warehouse: Path, dataset: str, annotations: Path, videos: Path | None) -> None:
    """`--annotations` without a backbone: register the dataset, embed nothing, say so."""
    from vtr.ingest.datasets import register_dataset
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse) as wh:
        register_dataset(wh, dataset, annotations, videos)
    console.print(
        f"registered dataset {dataset!r}; nothing embedded: give --video-backbone and/or "
        "--text-backbone to ingest it",
        highlight=False,
    )


def _engine_session(engine: str, address: str | None):
    if engine == "ray":
        from vtr.ingest.ray_runtime import ray_session

        return ray_session(address)
    return nullcontext()


def _engine(engine: str):
    if engine == "ray":
        from vtr.ingest.ray_engine import ingest_ray

        return ingest_ray  # joins the session opened by _engine_session
    from vtr.ingest.pipeline import ingest

    return ingest


def register(app: typer.Typer) -> None:
    app.command()(ingest)
