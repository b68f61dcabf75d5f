"""`vtr report`: a thin wrapper over vtr.reports.retrieval.write_retrieval_report."""

from __future__ import annotations

from pathlib import Path

import typer

from vtr.cli.common import reports_errors
from vtr.warehouse import open_warehouse


@reports_errors
def report_command(
    warehouse: Path = typer.Argument(..., help="Warehouse directory (made by `vtr init`)."),
    eval_id: int = typer.Option(
        ..., "--eval", help="Evaluation id, as printed by `vtr eval` (list them: `vtr evals`)."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for report.md and its PNGs (default: WAREHOUSE/reports/eval-ID/).",
    ),
    notes: list[str] | None = typer.Option(
        None,
        "--note",
        metavar="TEXT",
        help="A markdown paragraph to put under the header (repeatable).",
    ),
) -> None:
    """Write the markdown report (tables + PNG plots) of one evaluation.

    The folder holds report.md and the PNGs it links by relative path: overall
    T2V/V2T metrics, recall per video category and per query length, the
    similarity of matching vs non-matching pairs, and the SQL to reproduce the
    numbers in the DuckDB shell. The warehouse is opened read-only. Prints the
    path of report.md as the last line.

    Example:

        vtr report wh/ --eval 1 --out reports/minilm-vs-clip
    """
    from vtr.reports.retrieval import write_retrieval_report

    with open_warehouse(warehouse, read_only=True) as wh:
        path = write_retrieval_report(wh, eval_id, out_dir=out, notes=notes or None)
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `report` to the vtr app."""
    app.command("report")(report_command)
