"""`vtr metrics steps`: step grounding metrics of a predictions file (thin CLI)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from vtr.cli.common import console, print_json, reports_errors


@reports_errors
def steps_metrics_command(
    gt: Path = typer.Argument(
        ..., help="Step annotations: .jsonl {qid, video, query, start, end}, GoalStep .json, .csv."
    ),
    predictions: Path = typer.Argument(
        ..., help='Predictions .jsonl: {"qid", "pred_windows": [[start, end, score], ...]}.'
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """R@1 / R@5 at IoU > 0.3 and > 0.5, and mean IoU of the top window (percent).

    Ego4D NLQ style: a step is found at k when one of its first k predicted windows
    overlaps the annotated one with IoU strictly above the threshold. Steps without
    predictions count as misses.

    Example: `vtr metrics steps steps_val.jsonl predictions.jsonl --json`
    """
    from vtr.warehouse.step_evals import STEP_METRIC_KEYS, step_metrics_from_files

    metrics = step_metrics_from_files(gt, predictions)
    if as_json:
        print_json(metrics)
        return
    table = Table(title=f"step grounding: {predictions.name}")
    for key in STEP_METRIC_KEYS:
        table.add_column(key, justify="right")
    table.add_row(*(f"{metrics[key]:.2f}" for key in STEP_METRIC_KEYS))
    console.print(table)


def register(metrics_app: typer.Typer) -> None:
    metrics_app.command("steps")(steps_metrics_command)
