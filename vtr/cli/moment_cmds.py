"""Moment retrieval / highlight commands: `vtr metrics moments`, `vtr synth moments`,
the `--clips` branch of `vtr ingest`, `vtr predict moments`, `vtr train moments`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from vtr.cli.common import (
    CorpusDirArg,
    DatasetOpt,
    FilesSeedOpt,
    FpsOpt,
    IntoDatasetOpt,
    IntoNameOpt,
    JsonFlag,
    PredictionsOutOpt,
    SizeOpt,
    WarehouseArg,
    console,
    print_json,
    reports_errors,
)
from vtr.cli.eval_cmds import metrics_app
from vtr.cli.groups import predict_app, train_app
from vtr.cli.synth_cmds import synth_app, synthesize
from vtr.warehouse.moment_evals import evaluate_files


@reports_errors
def metrics_moments_command(
    gt: Path = typer.Argument(..., help="Ground truth, QVHighlights JSONL (labelled split)."),
    pred: Path = typer.Argument(..., help="Predictions JSONL (pred_relevant_windows, ...)."),
    clip_len: float = typer.Option(2.0, "--clip-len", help="Seconds per saliency clip."),
    into: Path | None = typer.Option(
        None,
        "--into",
        help="Also store the predictions in this warehouse as a prediction set of --dataset "
        "named --name (`vtr report-moments --pred ID` then shows it beside vtr's own).",
    ),
    dataset: IntoDatasetOpt = None,
    name: IntoNameOpt = None,
    as_json: bool = typer.Option(False, "--json", help="Print the official-format JSON."),
) -> None:
    """Moment retrieval + highlight detection metrics (the official QVHighlights evaluation).

    MR R1@0.5/0.7, mAP@0.5/0.75 and mAP over IoU 0.5:0.05:0.95 (full, short, middle,
    long ground-truth windows); HL mAP and HIT@1 at Fair/Good/VeryGood. Computed by SQL
    in an in-memory DuckDB; numbers are percentages, unrounded.

    Examples:

      vtr metrics moments highlight_val_release.jsonl preds.jsonl --json

      vtr metrics moments highlight_val_release.jsonl preds.jsonl --into wh/ --dataset qvh
        --name "Moment-DETR"
    """
    metrics = evaluate_files(gt, pred, clip_len=clip_len)
    if into is not None:
        from vtr.errors import PredictionError
        from vtr.warehouse import open_warehouse
        from vtr.warehouse.moment_evals import store_prediction_file

        if dataset is None or name is None:
            raise PredictionError("--into needs --dataset and --name")
        with open_warehouse(into) as wh:
            pred_id, stored = store_prediction_file(wh, dataset, pred, name, clip_len)
        if not _close(stored["brief"], metrics["brief"]):
            console.print(
                f"note: dataset {dataset!r} of {into} scores prediction set {pred_id} "
                f"differently from {gt.name} (other annotations there?)",
                highlight=False,
            )
        metrics = {"pred_id": pred_id, "label": name, **metrics}
    if as_json:
        print_json(metrics)
        return
    console.print(brief_table(metrics["brief"], f"moment metrics of {pred.name}"))


def _close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same keys and values equal up to float summation order."""
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1e-9 * max(1, abs(b[k])) for k in a)


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
    frames_per_clip: int | None,
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
    if frames_per_clip is None:  # step chunks: 4 frames per 2 s; moment clips: 2
        frames_per_clip = 4 if wh.rows("steps/count", {"dataset": dataset})[0]["n"] else 2
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
    out_dir: CorpusDirArg,
    videos: int = typer.Option(60, "--videos", min=3, help="Number of long videos (30-150 s)."),
    seed: FilesSeedOpt = 0,
    fps: FpsOpt = 2,
    size: SizeOpt = 32,
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

    synthesize(
        generate_moments_corpus,
        out_dir,
        videos,
        "synthesizing long videos",
        seed=seed,
        fps=fps,
        size=size,
    )


VIDEO_VARIANT = typer.Option(
    ..., "--video-variant", help="Clip variant, e.g. video/SPEC/final/embed/clip2s-mean/2f."
)
TEXT_VARIANT = typer.Option(..., "--text-variant", help="Text variant of the queries.")


@predict_app.command("moments")
@reports_errors
def predict_moments_command(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    video_variant: str = VIDEO_VARIANT,
    text_variant: str = TEXT_VARIANT,
    split: str = typer.Option("val", "--split", help="Split to predict ('all' = every query)."),
    out: PredictionsOutOpt = None,
    checkpoint: Path = typer.Option(
        None, "--checkpoint", help="A head trained by `vtr train moments` (default: zero-shot)."
    ),
    source: str = typer.Option(
        "clips", "--source", help="Zero-shot scores from: clips, captions or both."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Predict windows and clip saliency for every query of a split (official format).

    Stored as a prediction set in the catalog; metrics (official keys) are printed
    when the split is labelled.

    Example:

      vtr predict moments wh/ --dataset synthm --split val
        --video-variant video/open_clip:vtr-tiny-vit:random/final/embed/clip2s-mean/2f
        --text-variant text/open_clip:vtr-tiny-vit:random/final/embed --out zs.jsonl
    """
    from vtr.models.moment_predict import predict_moments
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse) as wh:
        result = predict_moments(
            wh,
            dataset,
            None if split == "all" else split,
            video_variant,
            text_variant,
            out_path=out,
            checkpoint=checkpoint,
            source=source,
        )
    if as_json:
        print_json(result)
        return
    console.print(f"prediction set {result['pred_id']}: {result['n_queries']} queries")
    if result["metrics"] is not None:
        console.print(brief_table(result["metrics"]["brief"], f"{dataset} / {split}"))


@train_app.command("moments")
@reports_errors
def train_moments_command(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    video_variant: str = VIDEO_VARIANT,
    text_variant: str = TEXT_VARIANT,
    out: Path = typer.Option(..., "--out", help="Checkpoint file to write."),
    split: str = typer.Option("train", "--split", help="Split to train on."),
    captions: bool = typer.Option(
        False, "--captions/--no-captions", help="Fuse per-clip caption embeddings."
    ),
    epochs: int = typer.Option(40, "--epochs", min=1, help="Training epochs."),
    hidden: int = typer.Option(128, "--hidden", min=8, help="Width of the moment head."),
    lr: float = typer.Option(1e-3, "--lr", min=0.0, help="AdamW learning rate."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same model."),
    as_json: JsonFlag = False,
) -> None:
    """Train the moment span + saliency head on a split's clip sequences (Lightning).

    Example:

      vtr train moments wh/ --dataset synthm --out head.pt
        --video-variant video/open_clip:vtr-tiny-vit:random/final/embed/clip2s-mean/2f
        --text-variant text/st:minilm/final/embed
    """
    from vtr.models.moment_train import train_moments
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse) as wh:
        summary = train_moments(
            wh,
            dataset,
            video_variant,
            text_variant,
            out,
            split=split,
            captions=captions,
            epochs=epochs,
            hidden=hidden,
            lr=lr,
            seed=seed,
        )
    if as_json:
        print_json(summary)
        return
    console.print(f"run {summary['run_id']}: trained on {summary['n_queries']} queries")
    typer.echo(summary["checkpoint"])


@reports_errors
def report_moments_command(
    warehouse: WarehouseArg,
    pred: list[int] = typer.Option(..., "--pred", help="Prediction set id; repeat to compare."),
    out: Path = typer.Option(..., "--out", help="Folder for report.md and its PNGs."),
    curves_of: int = typer.Option(
        None, "--curves-of", help="Set whose best/worst queries are drawn (default: last)."
    ),
) -> None:
    """Markdown report of moment prediction sets: metrics, length buckets, saliency
    curves of the best and worst queries, caption ablation. Prints the report path.

    Example: `vtr report-moments wh/ --pred 1 --pred 2 --out reports/moments`
    """
    from vtr.reports.moments import write_moments_report
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse, read_only=True) as wh:
        path = write_moments_report(wh, pred, out, curves_of=curves_of)
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `metrics moments`, `synth moments`, `predict moments`, `train moments`,
    `report-moments`."""
    metrics_app.command("moments")(metrics_moments_command)
    synth_app.command("moments")(synth_moments_command)
    app.command("report-moments")(report_moments_command)
