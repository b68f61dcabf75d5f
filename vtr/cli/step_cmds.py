"""Step grounding commands: `vtr synth steps`, `vtr train steps`, `vtr predict steps`,
`vtr metrics steps` (thin wrappers over vtr.models.step_* and vtr.warehouse.step_evals)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from vtr.cli.common import (
    CorpusDirArg,
    DatasetOpt,
    FilesSeedOpt,
    FpsOpt,
    JsonFlag,
    PredictionsOutOpt,
    SizeOpt,
    WarehouseArg,
    console,
    print_json,
    reports_errors,
)
from vtr.cli.synth_cmds import synthesize

TEXT_VARIANT = typer.Option(..., "--text-variant", help="Text variant of the step descriptions.")
VIDEO_VARIANT = typer.Option(
    ...,
    "--video-variant",
    help="Clip variant of the chunks, e.g. video/SPEC/final/embed/clip2s-mean/4f.",
)


@reports_errors
def synth_steps_command(
    out_dir: CorpusDirArg,
    videos: int = typer.Option(60, "--videos", min=3, help="Number of procedure videos."),
    seed: FilesSeedOpt = 0,
    fps: FpsOpt = 2,
    size: SizeOpt = 32,
) -> None:
    """Write a synthetic step-grounding corpus: procedure videos with ordered steps.

    Each video performs one of 12 procedures (3-6 ordered steps sharing colours and
    shapes), steps of 2-20 s with background gaps. Writes DIR/videos/ and
    DIR/steps_{train,val,test}.jsonl ({qid, video, query, start, end, duration}).
    Prints DIR last.

    Example, then register and ingest 2-s chunks of 4 frames:

      vtr synth steps scorpus/ --videos 120
      vtr add-dataset wh/ steps --annotations scorpus/steps_train.jsonl --videos scorpus/videos
      vtr ingest wh/ --dataset steps --clips 2s --frames-per-clip 4 ...
    """
    from vtr.ingest.synthetic_steps import generate_steps_corpus

    synthesize(
        generate_steps_corpus,
        out_dir,
        videos,
        "synthesizing procedure videos",
        seed=seed,
        fps=fps,
        size=size,
    )


@reports_errors
def predict_steps_command(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    text_variant: str = TEXT_VARIANT,
    video_variant: str = VIDEO_VARIANT,
    split: str = typer.Option("test", "--split", help="Split to predict ('all': every one)."),
    method: str = typer.Option(
        "dp", "--method", help="dp (ordered, monotonic alignment) or top1 (each step alone)."
    ),
    drop_quantile: float = typer.Option(
        0.5,
        "--drop-quantile",
        min=0.0,
        max=1.0,
        help="Background value = this quantile of the video's similarities.",
    ),
    out: PredictionsOutOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Place every step of every video of a split; metrics against its annotations.

    Example:

      vtr predict steps wh/ --dataset steps --method dp --out pred.jsonl
        --text-variant text/st:minilm+step-adapter:r5/final/embed
        --video-variant "video/open_clip:vtr-tiny-vit:random+step-adapter:r5/final/embed/\
clip2s-mean/4f"
    """
    from vtr.models.step_predict import predict_steps
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse, read_only=True) as wh:
        summary = predict_steps(
            wh,
            dataset,
            None if split == "all" else split,
            text_variant,
            video_variant,
            method=method,
            drop_quantile=drop_quantile,
            out=out,
        )
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"{method} on {dataset} / {split}: {summary['n_steps']} steps")
    for key in summary["metrics"]:
        table.add_column(key, justify="right")
    table.add_row(*(f"{v:.2f}" for v in summary["metrics"].values()))
    console.print(table)
    if out is not None:
        typer.echo(str(out))


@reports_errors
def train_steps_command(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    text_variant: str = TEXT_VARIANT,
    video_variant: str = VIDEO_VARIANT,
    dim: int = typer.Option(256, "--dim", min=8, help="Dimension of the shared space."),
    epochs: int = typer.Option(30, "--epochs", min=1, help="Training epochs (at most)."),
    neg_ratio: int = typer.Option(8, "--neg-ratio", min=1, help="Negative chunks per positive."),
    temperature: float = typer.Option(0.07, "--temperature", help="InfoNCE temperature."),
    lr: float = typer.Option(1e-3, "--lr", help="Initial learning rate (halved on plateaus)."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same adapters."),
    as_json: bool = typer.Option(
        False, "--json", help="Print only the JSON summary (it is always the last line)."
    ),
) -> None:
    """Train chunk <-> step adapters (InfoNCE, sampled negatives) on the train split.

    Writes the adapted step and chunk embeddings of every split back as two new
    variants; the last output line is JSON naming them.

    Example:

      vtr train steps wh/ --dataset steps --text-variant text/st:minilm/final/embed
        --video-variant video/open_clip:vtr-tiny-vit:random/final/embed/clip2s-mean/4f
    """
    from vtr.models.step_train import train_steps
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse) as wh:
        summary = train_steps(
            wh,
            dataset,
            text_variant,
            video_variant,
            dim=dim,
            epochs=epochs,
            neg_ratio=neg_ratio,
            temperature=temperature,
            lr=lr,
            seed=seed,
        )
    if not as_json:
        console.print(
            f"run {summary['run_id']}: final train loss {summary['final_train_loss']:.4f}",
            highlight=False,
        )
    typer.echo(json.dumps(summary))  # one line, the last: the new variant ids


@reports_errors
def steps_metrics_command(
    gt: Path = typer.Argument(
        ..., help="Step annotations: .jsonl {qid, video, query, start, end}, GoalStep .json, .csv."
    ),
    predictions: Path = typer.Argument(
        ..., help='Predictions .jsonl: {"qid", "pred_windows": [[start, end, score], ...]}.'
    ),
    protocol: str = typer.Option(
        "vtr",
        "--protocol",
        help="vtr: every annotated step counts, one without predictions is a miss; ego4d: "
        "only the steps with a predicted window are averaged (the Ego4D NLQ evaluation).",
    ),
    as_json: JsonFlag = False,
) -> None:
    """R@1 / R@5 at IoU > 0.3 and > 0.5, and mean IoU of the top window (percent).

    Ego4D NLQ style: a step is found at k when one of its first k predicted windows
    overlaps the annotated one with IoU strictly above the threshold. Steps without
    predictions count as misses, unless --protocol ego4d. Prints "evaluated X of Y".

    Example: `vtr metrics steps steps_val.jsonl predictions.jsonl --json`
    """
    from vtr.warehouse.step_evals import (
        STEP_METRIC_KEYS,
        evaluated_steps,
        step_metrics,
        step_tables,
    )

    truth, preds = step_tables(gt, predictions)
    metrics = step_metrics(truth, preds, protocol)
    evaluated = evaluated_steps(truth, preds, protocol)
    predicted = evaluated_steps(truth, preds, "ego4d")
    counts = {"evaluated": evaluated, "steps": truth.num_rows, "predicted": predicted}
    if as_json:
        print_json({**metrics, **counts, "protocol": protocol})
        return
    table = Table(title=f"step grounding: {predictions.name} ({protocol} protocol)")
    for key in STEP_METRIC_KEYS:
        table.add_column(key, justify="right")
    table.add_row(*(f"{metrics[key]:.2f}" for key in STEP_METRIC_KEYS))
    console.print(table)
    console.print(
        f"evaluated {evaluated} of {truth.num_rows} steps ({predicted} with predictions)",
        highlight=False,
    )


@reports_errors
def report_steps_command(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    text_variants: list[str] = typer.Option(
        ..., "--text-variant", help="Text variant of a pair (repeat, one per pair)."
    ),
    video_variants: list[str] = typer.Option(
        ..., "--video-variant", help="Clip variant of a pair (repeat, in the same order)."
    ),
    labels: list[str] | None = typer.Option(
        None, "--label", help="A name per pair for the tables (default: the variants)."
    ),
    split: str = typer.Option("test", "--split", help="Split to report on."),
    tune_split: str = typer.Option(
        "val", "--tune-split", help="Split that picks each row's drop quantile ('none': 0.5)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Report folder."),
) -> None:
    """Markdown report of step grounding: DP vs top-1 for each (text, video) variant pair,
    and one video's step x chunk similarity with annotated and predicted windows.

    Example (zero-shot vs trained adapters):

      vtr report-steps wh/ --dataset steps --label zero-shot --text-variant T0 --video-variant V0
        --label trained --text-variant T1 --video-variant V1
    """
    from vtr.errors import ReportError
    from vtr.reports.steps import write_steps_report
    from vtr.warehouse import open_warehouse

    if len(text_variants) != len(video_variants) or (labels and len(labels) != len(text_variants)):
        raise ReportError("give as many --video-variant (and --label) as --text-variant")
    names = labels or [f"{t} x {v}" for t, v in zip(text_variants, video_variants, strict=True)]
    pairs = list(zip(names, text_variants, video_variants, strict=True))
    with open_warehouse(warehouse, read_only=True) as wh:
        path, _ = write_steps_report(
            wh,
            dataset,
            pairs,
            split=split,
            tune_split=None if tune_split == "none" else tune_split,
            out_dir=out,
        )
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the step commands to the `synth`, `train`, `predict` and `metrics` groups."""
    from vtr.cli.eval_cmds import metrics_app
    from vtr.cli.groups import predict_app, train_app
    from vtr.cli.synth_cmds import synth_app

    synth_app.command("steps")(synth_steps_command)
    train_app.command("steps")(train_steps_command)
    predict_app.command("steps")(predict_steps_command)
    metrics_app.command("steps")(steps_metrics_command)
    app.command("report-steps")(report_steps_command)
