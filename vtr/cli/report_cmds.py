"""`vtr report`: thin wrappers over vtr.reports.retrieval and vtr.reports.training."""

from __future__ import annotations

from pathlib import Path

import typer

from vtr.cli.common import reports_errors
from vtr.errors import ReportError
from vtr.warehouse import open_warehouse


@reports_errors
def report_command(
    warehouse: Path = typer.Argument(..., help="Warehouse directory (made by `vtr init`)."),
    eval_id: int = typer.Option(
        None, "--eval", help="Evaluation id, as printed by `vtr eval` (list them: `vtr evals`)."
    ),
    train_run: int = typer.Option(
        None, "--train", help="Training run id (from `vtr train`): baseline vs trained report."
    ),
    baseline: int = typer.Option(
        None,
        "--baseline",
        help="With --train: the baseline eval id (default: the latest eval of the same "
        "dataset and split with ingested variants).",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for report.md and its PNGs (default: WAREHOUSE/reports/eval-ID/ "
        "or train-ID/).",
    ),
    notes: list[str] | None = typer.Option(
        None,
        "--note",
        metavar="TEXT",
        help="A markdown paragraph to put under the header (repeatable).",
    ),
) -> None:
    """Write the markdown report (tables + PNG plots) of one evaluation or training run.

    The folder holds report.md and the PNGs it links by relative path: overall
    T2V/V2T metrics, recall per video category and per query length, the
    similarity of matching vs non-matching pairs, and the SQL to reproduce the
    numbers in the DuckDB shell. The warehouse is opened read-only. Prints the
    path of report.md as the last line.

    With --train RUN instead: the run's trained variants next to a baseline evaluation
    (metrics and recall chart), its loss and validation R@1 curves, and the similarity
    distributions before and after.

    Examples:

        vtr report wh/ --eval 1 --out reports/minilm-vs-clip

        vtr report wh/ --train 3 --baseline 1
    """
    from vtr.reports.retrieval import write_retrieval_report
    from vtr.reports.training import write_training_report

    if (eval_id is None) == (train_run is None):
        raise ReportError("give exactly one of --eval EVAL_ID and --train RUN_ID")
    with open_warehouse(warehouse, read_only=True) as wh:
        if train_run is not None:
            path = write_training_report(wh, train_run, baseline, out_dir=out, notes=notes)
        else:
            path = write_retrieval_report(wh, eval_id, out_dir=out, notes=notes or None)
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `report` to the vtr app."""
    app.command("report")(report_command)
