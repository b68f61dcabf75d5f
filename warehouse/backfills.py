"""Python steps of schema migrations that need more than SQL (tied to their version)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import lance
import pyarrow as pa

from vtr.warehouse.queries import query, query_dicts, registered


def mark_existing_rows_done(con: duckdb.DuckDBPyConnection, lance_path: Path | None) -> None:
    """Version 10: rows written before done marks existed were committed; mark them done."""
    if lance_path is None or not Path(lance_path).is_dir():
        return
    from vtr.warehouse.vectors import VectorStore

    store = VectorStore(lance_path)
    for row in query_dicts(con, "variants/list", {"modality": None}):
        if not store.has_table(row["lance_table"]):
            continue
        uri = str(store.table_path(row["lance_table"]))
        old_rows: pa.Table = lance.dataset(uri).to_table(columns=["dataset", "item_id"])
        with registered(con, "old_rows", old_rows):
            query(con, "ingest/backfill_done", {"variant_id": row["variant_id"]})
