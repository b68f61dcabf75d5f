"""`vtr serve`: browse a warehouse in a local web app (vtr.serve)."""

from __future__ import annotations

import typer

from vtr.cli.common import WarehouseArg, console, reports_errors


@reports_errors
def serve_command(
    warehouse: WarehouseArg,
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port to listen on."),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to bind: localhost by default; 0.0.0.0 exposes the warehouse to the "
        "network (read-only, no login).",
    ),
) -> None:
    """Browse a warehouse in the browser: evaluations, cases, comparisons, search.

    A read-only local web app (Starlette, server-rendered pages; see docs/serve.md).
    Pages: Home (datasets, variants with provenance, evaluations with metrics,
    coverage and search kind), Evaluation (metrics, breakdowns, per-query rank, ground
    truth and top-k with keyframe thumbnails, filters by category, caption length and
    rank), Compare (queries whose rank moved most), Search (free text embedded by a
    text variant's backbone), Moments (timelines with windows and saliency) and Steps
    (step x chunk heat maps). Every page /X has its data as JSON at /api/X. Each
    request opens the catalog read-only and closes it, so ingests can run meanwhile;
    thumbnails are cached under WAREHOUSE/serve-cache/. Ctrl-C stops the server.

    Example: `vtr serve wh/ --port 8000` then open http://127.0.0.1:8000/
    """
    try:
        import uvicorn

        from vtr.serve import create_app
    except ImportError as err:
        console.print(
            f"[bold red]error:[/] `vtr serve` needs the web stack ({err.name} is missing): "
            "pip install 'vtr[serve]'",
            highlight=False,
        )
        raise typer.Exit(1) from None

    app = create_app(warehouse)
    console.print(f"serving {warehouse} at http://{host}:{port}/ (Ctrl-C stops)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
