"""`vtr demo`: the whole pipeline offline on a synthetic corpus."""

from __future__ import annotations

from pathlib import Path

import typer

from vtr.cli.common import console, reports_errors


@reports_errors
def demo(
    out: Path = typer.Option(Path("demo-out"), help="Folder for the corpus, warehouse, report."),
    videos: int = typer.Option(300, help="Synthetic videos to generate."),
    seed: int = typer.Option(0, help="Seed of the corpus and of the random-init backbone."),
    workers: int = typer.Option(None, help="Decoding workers (default: up to 2)."),
) -> None:
    """Synthesize videos, ingest them, evaluate, train a head, re-rank, write the reports.

    Writes OUT/report/: an index page linking the dataset report, the evaluation report
    (with qualitative cases), the training report (untrained baseline vs trained head)
    and the comparison report (baseline, trained, trained + dual softmax / QB-Norm).
    Runs offline in a few minutes on a laptop CPU; prints the index's path last.

    Example: `vtr demo --out demo-out --videos 60` (a smaller, faster corpus)
    """
    from vtr.demo import run_demo
    from vtr.warehouse.metric_defs import percent_metrics

    result = run_demo(out, videos=videos, seed=seed, workers=workers)
    for name, values in (
        (f"baseline eval {result.eval_id}", result.metrics),
        (
            f"trained head (run {result.train_run}, eval {result.trained_eval})",
            result.trained_metrics,
        ),
    ):
        shown = [
            f"{d.upper()} " + " ".join(f"{m} {values[d][m]:.2f}" for m in percent_metrics())
            for d in ("t2v", "v2t")
        ]
        console.print(f"{name}: {' | '.join(shown)}", highlight=False)
    for method, eval_id in result.rerank_evals.items():
        console.print(f"re-ranked with {method}: eval {eval_id}", highlight=False)
    console.print(f"demo finished in {result.seconds:.1f} s", highlight=False)
    console.print(f"warehouse: {result.warehouse}  (try: vtr shell {result.warehouse})")
    typer.echo(str(result.report))


def register(app: typer.Typer) -> None:
    app.command()(demo)
