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
    """Synthesize videos, ingest them, evaluate the test split, train a head, write reports.

    The last report compares the untrained baseline with the trained head side by side.

    Runs offline in a few minutes on a laptop CPU; prints the report path last.
    """
    from vtr.demo import run_demo

    result = run_demo(out, videos=videos, seed=seed, workers=workers)
    t2v, v2t = result.metrics["t2v"], result.metrics["v2t"]
    console.print(
        f"demo finished in {result.seconds:.1f} s; eval {result.eval_id}: "
        f"T2V R@1 {t2v['R@1']:.2f} R@5 {t2v['R@5']:.2f} R@10 {t2v['R@10']:.2f} | "
        f"V2T R@1 {v2t['R@1']:.2f} R@5 {v2t['R@5']:.2f} R@10 {v2t['R@10']:.2f}",
        highlight=False,
    )
    trained = result.trained_metrics["t2v"]
    console.print(
        f"trained head (run {result.train_run}): T2V R@1 {trained['R@1']:.2f} "
        f"R@5 {trained['R@5']:.2f} R@10 {trained['R@10']:.2f}; "
        f"eval report: {result.eval_report}",
        highlight=False,
    )
    console.print(f"warehouse: {result.warehouse}  (try: vtr shell {result.warehouse})")
    typer.echo(str(result.report))


def register(app: typer.Typer) -> None:
    app.command()(demo)
