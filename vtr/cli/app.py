"""The `vtr` Typer application, assembled from the command modules."""

from __future__ import annotations

import typer

from vtr.cli import (
    check_cmds,
    compare_cmds,
    demo_cmds,
    eval_cmds,
    fuse_cmds,
    groups,
    import_cmds,
    index_cmds,
    ingest_cmds,
    moment_cmds,
    report_cmds,
    serve_cmds,
    step_cmds,
    synth_cmds,
    train_cmds,
    warehouse_cmds,
)

app = typer.Typer(
    name="vtr",
    help=(
        "An embedding warehouse for text-video retrieval research.\n\n"
        "Typical session: `vtr synth retrieval corpus/` (or bring MSR-VTT), "
        "`vtr init wh/`, `vtr ingest wh/ --dataset synth --annotations corpus/annotations.json "
        "--videos corpus/videos ...`, `vtr train wh/ ...` (optional), `vtr eval wh/ ...`, "
        "`vtr report wh/ --eval 1`, "
        "then `vtr shell wh/` for ad-hoc SQL. `vtr demo` runs all of it offline."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    wait: float = typer.Option(
        None,
        "--wait",
        min=0.0,
        metavar="SECONDS",
        help="How long a command waits for a catalog another process holds (an ingest "
        "committing, an eval, a `duckdb` shell) before it stops with exit code 4; while "
        "waiting it says which PID and command holds it. Default 60, or $VTR_WAIT; "
        "0 fails at once. Give it before the command: `vtr --wait 600 evals wh/`.",
    ),
) -> None:
    """An embedding warehouse for text-video retrieval research."""
    if wait is not None:
        from vtr.warehouse.connect import set_wait

        set_wait(wait)
        ctx.call_on_close(lambda: set_wait(None))


warehouse_cmds.register(app)
synth_cmds.register(app)
ingest_cmds.register(app)
import_cmds.register(app)
fuse_cmds.register(app)
train_cmds.register(app)
eval_cmds.register(app)
index_cmds.register(app)
report_cmds.register(app)
compare_cmds.register(app)
moment_cmds.register(app)
step_cmds.register(app)
demo_cmds.register(app)
check_cmds.register(app)
serve_cmds.register(app)
app.add_typer(groups.train_app, name="train")
app.add_typer(groups.predict_app, name="predict")
