"""`vtr metrics moments`: thin wrapper over vtr.warehouse.moment_evals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from vtr.cli.common import console, print_json, reports_errors
from vtr.cli.eval_cmds import metrics_app
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


def register(app: typer.Typer) -> None:
    """Add `metrics moments` to the vtr app."""
    metrics_app.command("moments")(metrics_moments_command)
