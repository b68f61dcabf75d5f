"""Moment retrieval / highlight commands: `vtr metrics moments`, `vtr synth moments`,
the `--clips` branch of `vtr ingest`, `vtr predict moments`, `vtr train moments`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from vtr.cli.common import console, print_json, reports_errors
from vtr.cli.eval_cmds import metrics_app
from vtr.cli.synth_cmds import synth_app
from vtr.warehouse.moment_evals import evaluate_files


@reports_errors
def metrics_moments_command(
    gt: Path = typer.Argument(..., help="Ground truth, QVHighlights JSONL (labelled split)."),
    pred: Path = typer.Argument(..., help="Predictions JSONL (pred_relevant_windows, ...)."),
    clip_len: float = typer.Option(2.0, "--clip-len", help="Seconds per saliency clip."),
    as_json: bool = typer.Option(False, "--json", help="Print the official-format JSON."),
) -> None:
    """Moment retrieval + highlight detection metrics (the official QVHighlights evaluation).

    MR R1@0.5/0.7, mAP@0.5/0.75 and mAP over IoU 0.5:0.05:0.95 (full, short, middle,
    long ground-truth windows); HL mAP and HIT@1 at Fair/Good/VeryGood. Computed by SQL
    in an in-memory DuckDB; numbers are percentages, unrounded.

    Example: `vtr metrics moments highlight_val_release.jsonl preds.jsonl --json`
    """
    metrics = evaluate_files(gt, pred, clip_len=clip_len)
    if as_json:
        print_json(metrics)
        return
    console.print(brief_table(metrics["brief"], f"moment metrics of {pred.name}"))


def brief_table(brief: dict[str, Any], title: str) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in brief.items():
        table.add_row(key, "-" if value is None else f"{value:.2f}")
    return table


def ingest_clip_rows(
    wh: Any,
    dataset: str,
    video_backbones: list[str],
    text_backbones: list[str],
    clips: str,
    frames_per_clip: int,
    clip_captions: Path | None,
    workers: int,
    device: str | None,
    seed: int,
) -> Any:
    """`vtr ingest --clips`: optional per-clip captions, then the clip-level ingest."""
    from vtr.ingest.clips import ingest_clips, parse_clip_len, register_clip_captions

    try:
        clip_len = parse_clip_len(clips)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    if clip_captions is not None:
        register_clip_captions(wh, dataset, clip_captions)
    return ingest_clips(
        wh,
        dataset,
        video_backbones,
        text_backbones,
        clip_len=clip_len,
        frames_per_clip=frames_per_clip,
        workers=workers,
        device=device,
        seed=seed,
    )


@reports_errors
def synth_moments_command(
    out_dir: Path = typer.Argument(..., metavar="DIR", help="Folder to write the corpus into."),
    videos: int = typer.Option(60, "--videos", min=3, help="Number of long videos (30-150 s)."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives identical files."),
    fps: int = typer.Option(2, "--fps", min=1, help="Frames per second."),
    size: int = typer.Option(32, "--size", min=16, help="Frame side in pixels (even)."),
) -> None:
    """Write a synthetic moment retrieval / highlight corpus (QVHighlights JSONL + MP4s).

    Videos are sequences of events (a shape of a colour doing a motion); queries name
    an event; windows and 3-annotator clip saliency follow. Writes DIR/videos/,
    DIR/highlight_{train,val,test}_release.jsonl (test unlabelled) and
    DIR/clip_captions.jsonl. Prints DIR last on stdout.

    Example:

      vtr synth moments mcorpus/ --videos 60 --seed 0
    """
    from vtr.ingest.synthetic_moments import generate_moments_corpus
    from vtr.progress import progress_bar

    with progress_bar() as progress:
        task = progress.add_task("synthesizing long videos", total=videos)
        try:
            path = generate_moments_corpus(
                out_dir,
                videos,
                seed=seed,
                fps=fps,
                size=size,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `metrics moments` and `synth moments` to the vtr app."""
    metrics_app.command("moments")(metrics_moments_command)
    synth_app.command("moments")(synth_moments_command)
