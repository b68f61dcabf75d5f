"""`vtr check`: find, and with --repair fix, what crashes leave in a warehouse."""

from __future__ import annotations

import typer
from rich.markup import escape

from vtr.cli.common import WarehouseArg, console, print_json, reports_errors


@reports_errors
def check(
    warehouse: WarehouseArg,
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Do each finding's repair (needs the catalog read-write), then check again. "
        "Never deletes a readable row that has its done mark.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print {findings, repaired, remaining} as JSON."
    ),
) -> None:
    """Check a warehouse like `git fsck`: the catalog reads in full, every variant's Lance
    table opens and every data file scans, rows agree with the done marks (no duplicates),
    and runs, variants, evaluations and training runs reference each other.

    Each finding names the object and what --repair does: remove a table whose first
    commit was killed, drop an unreadable data file's fragment and unmark its items (the
    next `vtr ingest` re-embeds exactly those), delete orphan variants of crashed
    training runs and half-written evaluations, mark runs whose process is gone failed.
    Exit code 0 when nothing (or nothing after --repair) remains, 1 otherwise.

    Example: `vtr check wh/`, then `vtr check wh/ --repair`
    """
    from vtr.warehouse.check import check_warehouse

    result = check_warehouse(warehouse, repair=repair)
    if as_json:
        print_json(result)
    else:
        for item in result["repaired"]:
            console.print(f"repaired {item['kind']}: {item['object']}", highlight=False)
        for item in result["findings"]:
            if "repair_error" in item:
                console.print(
                    f"repair of {item['kind']} failed: {item['object']}: {item['repair_error']}",
                    highlight=False,
                    soft_wrap=True,
                    markup=False,
                )
        for item in result["remaining"]:
            console.print(
                f"[bold]{item['kind']}[/]: {escape(item['object'])}: {escape(item['detail'])}\n"
                f"  --repair: {escape(item['repair'])}",
                highlight=False,
                soft_wrap=True,
                markup=True,
            )
        if not result["remaining"]:
            console.print(f"{warehouse}: no findings", highlight=False, soft_wrap=True)
    if result["remaining"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(check)
