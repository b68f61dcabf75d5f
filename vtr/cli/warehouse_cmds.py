"""Warehouse commands: init, shell, and listings of variants, runs, errors and backbones."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from vtr.cli.common import JsonFlag, WarehouseArg, console, print_json, reports_errors


def _table(title: str, rows: list[dict], columns: list[str]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    return table


@reports_errors
def init(warehouse: WarehouseArg) -> None:
    """Create a warehouse: DIR/catalog.duckdb (metadata, results) + DIR/lance/ (embeddings).

    Example: vtr init wh/
    """
    from vtr.warehouse import init_warehouse

    with init_warehouse(warehouse) as wh:
        typer.echo(str(wh.catalog_path))


@reports_errors
def shell(
    warehouse: WarehouseArg,
    write: bool = typer.Option(
        False,
        help="Open the catalog itself read-write (default: a read-only snapshot). Holds "
        "the catalog until you quit: other commands wait meanwhile.",
    ),
    print_init: bool = typer.Option(
        False, "--print-init", help="Only print the SQL that prepares the session."
    ),
    command: str = typer.Option(
        None, "-c", "--command", help="Run this SQL (after the views are made) and exit."
    ),
) -> None:
    """Open the catalog in the DuckDB shell, with every embedding table as a view.

    The session runs `LOAD '<lance extension>'` (the pip-packaged extension, offline) and
    creates one view per variant, named after the variant: its `lance_table` without the
    hash suffix (kept only where two variants would share a name; `vtr variants` shows
    each view's name), e.g.

      SELECT c.text, v.item_id, v.vector FROM captions c
      JOIN text_st_minilm_final_embed v ON v.item_id = c.caption_id LIMIT 5;

    The shell reads a snapshot: a copy of catalog.duckdb taken (consistently, with the
    catalog open read-only for the copy only) when it starts, whose time it prints. It
    holds no lock, so an ingest or eval may commit meanwhile; quit and start it again to
    see their rows. Embedding views read the Lance tables themselves.

    Examples: `vtr shell wh/`, `vtr shell wh/ -c "SELECT count(*) FROM captions"`, or
    `vtr shell wh/ --print-init > init.sql` for another client.
    """
    from vtr.warehouse import open_warehouse
    from vtr.warehouse.bridge import shell_init_sql
    from vtr.warehouse.snapshot import snapshot_catalog

    with tempfile.TemporaryDirectory(prefix="vtr-shell-") as folder:
        with open_warehouse(warehouse, read_only=True) as wh:
            init_sql = shell_init_sql(wh)
            catalog = str(wh.catalog_path)
            if not write and not print_init:
                catalog, taken = snapshot_catalog(wh, Path(folder))
        if print_init:
            typer.echo(init_sql, nl=False)
            return
        if not write:
            console.print(
                f"vtr shell: a read-only snapshot of {escape(str(wh.catalog_path))} taken at "
                f"{taken:%Y-%m-%d %H:%M:%S}; later commits are not in it (start the shell "
                "again to see them)",
                highlight=False,
                soft_wrap=True,
            )
        init = Path(folder) / "init.sql"
        init.write_text(init_sql)
        binary = Path(sys.executable).with_name("duckdb")
        args = [str(binary), "-init", str(init), *([] if write else ["-readonly"]), catalog]
        if command is not None:
            args += ["-c", command]
        code = subprocess.call(args)
    raise typer.Exit(code)


@reports_errors
def variants(
    warehouse: WarehouseArg,
    as_json: JsonFlag = False,
) -> None:
    """List the embedding variants in the warehouse (their ids are what eval takes).

    Example: `vtr variants wh/ --json`
    """
    from vtr.warehouse import open_warehouse
    from vtr.warehouse.bridge import view_names
    from vtr.warehouse.variants import list_variants

    with open_warehouse(warehouse, read_only=True) as wh:
        rows = list_variants(wh)
        views = view_names([row["lance_table"] for row in rows])
        wh.release()  # row counts come from Lance, which needs no catalog
        for row in rows:
            row["rows"] = wh.vectors.count(row["lance_table"])
            row["shell_view"] = views[row["lance_table"]]
    if as_json:
        print_json(rows)
        return
    columns = ["variant_id", "dim", "rows", "shell_view"]
    if any(row.get("source") for row in rows):  # imported variants: where they came from
        columns.append("source")
    console.print(_table("variants", rows, columns))


@reports_errors
def datasets(
    warehouse: WarehouseArg,
    as_json: JsonFlag = False,
) -> None:
    """List the datasets in the warehouse with their video and caption counts.

    Example: `vtr datasets wh/`
    """
    from vtr.ingest.datasets import list_datasets
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse, read_only=True) as wh:
        rows = list_datasets(wh)
    if as_json:
        print_json(rows)
        return
    columns = ["dataset", "format", "n_categories", "n_videos", "n_captions", "annotations"]
    console.print(_table("datasets", rows, columns))


@reports_errors
def runs(
    warehouse: WarehouseArg,
    as_json: JsonFlag = False,
) -> None:
    """List ingest, training and other runs with their status and summary.

    A `running` run whose process is gone (same host: its PID is gone or was reused)
    shows as `crashed`; `vtr check --repair` marks it `failed`.

    Example: `vtr runs wh/ --json`
    """
    from vtr.warehouse import open_warehouse
    from vtr.warehouse.runs import list_runs

    with open_warehouse(warehouse, read_only=True) as wh:
        rows = list_runs(wh)
    if as_json:
        print_json(rows)
        return
    console.print(_table("runs", rows, ["run_id", "kind", "status", "started_at", "summary"]))


@reports_errors
def errors(
    warehouse: WarehouseArg,
    run: int = typer.Option(None, help="Only this run's errors."),
    as_json: JsonFlag = False,
) -> None:
    """List items that failed (which item, which stage, why).

    Example: `vtr errors wh/ --run 3`
    """
    from vtr.warehouse import open_warehouse

    with open_warehouse(warehouse, read_only=True) as wh:
        rows = wh.rows("errors/list", {"run_id": run})
    if as_json:
        print_json(rows)
        return
    console.print(_table("ingest errors", rows, ["run_id", "item_id", "stage", "message"]))


def backbones(
    as_json: JsonFlag = False,
) -> None:
    """Backbone spec forms, and the open_clip architectures (shipped configs included).

    Example: `vtr backbones`
    """
    from vtr.ingest.backbones import list_backbone_families
    from vtr.ingest.backbones.openclip import list_architectures

    if as_json:
        families = list_backbone_families()
        print_json({"families": families, "open_clip_architectures": list_architectures()})
        return
    for family, info in list_backbone_families().items():
        typer.echo(
            f"{family:10s} {info['spec']}\n{'':10s} {info['help']}\n{'':10s} towers: "
            f"{info['towers']}; e.g. {info['example']}"
        )
    typer.echo("\nopen_clip architectures: " + ", ".join(list_architectures()))


@reports_errors
def maintenance(
    warehouse: WarehouseArg,
    keep_hours: float = typer.Option(
        0.0, "--keep-hours", min=0.0, help="Keep table versions younger than this."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Compact every embedding table and remove old versions and orphan files.

    Orphan files are what a crashed write leaves behind. Holds the catalog read-write
    for the whole command: a running ingest's next commit waits until it ends (and
    it waits for a commit in progress, up to `vtr --wait`).

    Example: `vtr maintenance wh/`
    """
    from datetime import timedelta

    from vtr.warehouse import open_warehouse
    from vtr.warehouse.maintenance import maintain

    with open_warehouse(warehouse) as wh:
        summary = maintain(wh, keep=timedelta(hours=keep_hours))
    if as_json:
        print_json(summary)
        return
    for row in summary:
        console.print(
            f"{row['variant_id']}: {row['rows']} rows, fragments {row['fragments_before']} -> "
            f"{row['fragments_after']}, {row['versions_removed']} old versions and "
            f"{row['bytes_removed']:,} bytes removed",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    for command in (init, shell, datasets, variants, runs, errors, backbones, maintenance):
        app.command()(command)
