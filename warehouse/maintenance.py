"""Warehouse maintenance: compact each Lance table, drop old versions and orphan files.

Many small appends (one per ingest commit) leave many small fragments; a crashed write
leaves data files that no version references (or, before a table's first commit, a
table folder without any version). `maintain` rewrites small fragments into large
ones, then removes versions older than `keep` and every unreferenced file.

It must never run beside a writer: unreferenced files of a write in progress look
exactly like those of a crashed one. It therefore needs the catalog open read-write,
which DuckDB grants to one process only, and refuses while a run is `running` in a
live process: an ingest writes its fragments with the catalog released between
commits, and its run row says it is still going.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from vtr.errors import VtrError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.runs import list_runs
from vtr.warehouse.variants import list_variants
from vtr.warehouse.vectors import LANCE_ERRORS


@dataclass
class TableMaintenance:
    variant_id: str
    lance_table: str
    rows: int
    fragments_before: int
    fragments_after: int
    versions_removed: int
    bytes_removed: int


def maintain(wh: Warehouse, keep: timedelta = timedelta(0)) -> list[dict[str, Any]]:
    """Compact and clean every variant's Lance table; one summary dict per table."""
    if wh.read_only:
        raise VtrError("maintenance needs the warehouse open read-write (to exclude writers)")
    live = [row for row in list_runs(wh) if row["status"] == "running"]
    if live:
        named = ", ".join(f"run {r['run_id']} ({r['kind']}, PID {r['pid']})" for r in live)
        raise VtrError(
            f"maintenance refused: {named} still running; its uncommitted data files would "
            "look like a crash's orphans and be removed. Run it once that ends (`vtr runs` "
            "shows it; a run whose process died shows as crashed, see `vtr check --repair`)"
        )
    done = []
    for variant in list_variants(wh):
        table = variant["lance_table"]
        if not wh.vectors.has_table(table):
            folder = wh.vectors.table_path(table)
            if folder.is_dir():  # data files of a first commit that never happened
                removed = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
                shutil.rmtree(folder)
                done.append(
                    asdict(TableMaintenance(variant["variant_id"], table, 0, 0, 0, 0, removed))
                )
            continue
        try:
            dataset = wh.vectors.db.open_table(table).to_lance()
            before = len(dataset.get_fragments())
            rows = dataset.count_rows()
            dataset.optimize.compact_files()
            stats = dataset.cleanup_old_versions(older_than=keep, delete_unverified=True)
        except LANCE_ERRORS as err:  # a deleted or truncated data file
            raise wh.vectors.damaged(table, err) from None
        after = wh.vectors.db.open_table(table).to_lance()
        if after.count_rows() != rows:  # compaction rewrites, it must never change the rows
            raise VtrError(
                f"compaction changed the row count of {table}: {rows} -> {after.count_rows()}"
            )
        done.append(
            asdict(
                TableMaintenance(
                    variant_id=variant["variant_id"],
                    lance_table=table,
                    rows=rows,
                    fragments_before=before,
                    fragments_after=len(after.get_fragments()),
                    versions_removed=int(stats.old_versions),
                    bytes_removed=int(stats.bytes_removed),
                )
            )
        )
    return done
