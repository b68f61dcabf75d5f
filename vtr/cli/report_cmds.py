"""`vtr report`: evaluation, training, dataset (EDA) and comparison reports (markdown + PNGs)."""

from __future__ import annotations

from pathlib import Path

import typer

from vtr.cli.common import WarehouseArg, reports_errors
from vtr.errors import ReportError
from vtr.warehouse import open_warehouse


@reports_errors
def report_command(
    warehouse: WarehouseArg,
    eval_ids: list[int] | None = typer.Option(
        None,
        "--eval",
        help="Evaluation id, as printed by `vtr eval` (list them: `vtr evals`); with "
        "--compare, repeat to choose which evaluations to compare.",
    ),
    train_run: int | None = typer.Option(
        None, "--train", help="Training run id (from `vtr train`): baseline vs trained report."
    ),
    baseline: int | None = typer.Option(
        None,
        "--baseline",
        help="With --train: the baseline eval id (default: the latest eval of the same "
        "dataset and split with ingested variants).",
    ),
    eda: bool = typer.Option(False, "--eda", help="Write the dataset report of --dataset."),
    dataset: str | None = typer.Option(None, help="Dataset name, with --eda or --sweep."),
    compare: bool = typer.Option(
        False, "--compare", help="Write a leaderboard of all (or the --eval) evaluations."
    ),
    sweep: bool = typer.Option(
        False,
        "--sweep",
        help="Write the layer/pooling sweep report (of --dataset / --split, default all).",
    ),
    split: str | None = typer.Option(None, help="Split, with --sweep."),
    cases: int = typer.Option(
        3,
        "--cases",
        min=0,
        help="Evaluation report: best and worst queries shown with their neighbours "
        "(thumbnail strips for T2V; 0 = none).",
    ),
    bootstrap: int = typer.Option(
        1000,
        "--bootstrap",
        min=0,
        help="Evaluation report: bootstrap replicates of the 95% interval beside each "
        "overall metric, e.g. `R@1 22.70 [20.10, 25.30]` (T2V resamples videos; 0 = none).",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for report.md and its PNGs (default: WAREHOUSE/reports/eval-ID/, "
        "train-ID/, dataset-NAME/, compare/ or sweep/).",
    ),
    notes: list[str] | None = typer.Option(
        None,
        "--note",
        metavar="TEXT",
        help="A markdown paragraph to put under the header (repeatable).",
    ),
) -> None:
    """Write a markdown report (tables + PNG plots) from SQL over the warehouse.

    Each kind is a self-contained folder (report.md + PNGs by relative path):

    * `--eval ID`: one evaluation: T2V/V2T metrics, recall per category and per query
      length, similarity distributions, qualitative success/failure cases, and the SQL.
    * `--train RUN [--baseline ID]`: a training run's trained variants next to a
      baseline evaluation, loss and validation R@1 curves, similarities before/after.
    * `--eda --dataset NAME`: the dataset: splits, captions per video, caption lengths,
      vocabulary, categories, durations.
    * `--compare [--eval ID ...]`: a leaderboard of evaluations with a recall chart and
      the gain of re-ranked evaluations (`vtr eval --rerank`) over plain cosine.
    * `--sweep [--dataset NAME --split test]`: per backbone and layer, a video pooling x
      text pooling -> MRR table, and MRR vs layer (after `vtr eval --sweep`).

    The warehouse is opened read-only. Prints the path of report.md as the last line.

    Examples:

        vtr report wh/ --eval 1 --out reports/minilm-vs-clip
        vtr report wh/ --train 3 --baseline 1
        vtr report wh/ --eda --dataset synth
        vtr report wh/ --compare
        vtr report wh/ --sweep --dataset synth --split test
    """
    kinds = [bool(eval_ids) and not compare, train_run is not None, eda, compare, sweep]
    if sum(kinds) != 1:
        raise ReportError(
            "give exactly one of --eval ID, --train RUN, --eda --dataset NAME, --compare "
            "[--eval ID ...] and --sweep"
        )
    with open_warehouse(warehouse, read_only=True) as wh:
        if train_run is not None:
            from vtr.reports.training import write_training_report

            path = write_training_report(wh, train_run, baseline, out_dir=out, notes=notes)
        elif eda:
            from vtr.reports.eda import write_eda_report

            if not dataset:
                raise ReportError("--eda needs --dataset NAME")
            path = write_eda_report(wh, dataset, out_dir=out)
        elif sweep:
            from vtr.reports.sweep import write_sweep_report

            path = write_sweep_report(wh, dataset, split, out_dir=out, notes=notes or ())
        elif compare:
            from vtr.reports.compare import write_comparison_report

            path = write_comparison_report(wh, eval_ids or None, out_dir=out, notes=notes or ())
        else:
            from vtr.reports.retrieval import write_retrieval_report

            if len(eval_ids) != 1:
                raise ReportError("give one --eval ID (or several with --compare)")
            path = write_retrieval_report(
                wh, eval_ids[0], out_dir=out, notes=notes or None, cases=cases, bootstrap=bootstrap
            )
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `report` to the vtr app."""
    app.command("report")(report_command)
