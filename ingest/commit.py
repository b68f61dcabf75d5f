"""Exactly-once ingest: fragments written anywhere, committed by one driver, marked done.

Phase 1 (`write_fragments`, in any process): an item batch of one variant becomes Lance
data files that no table version references yet, so nobody sees them. Phase 2
(`Committer.commit`, the driver only): one Lance Append per table of every buffered
fragment, then ONE DuckDB transaction marking all of the batch's items done.

An item is ingested for a variant when, and only when, its done mark exists. A crash
after the Lance commits but before the catalog commit leaves rows without marks;
`reconcile` deletes them before the next ingest redoes those items. Fragments that were
never committed are unreferenced files, which `vtr maintenance` removes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import lance
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lance.fragment import FragmentMetadata

from vtr.errors import EmbeddingError
from vtr.warehouse.queries import registered
from vtr.warehouse.variants import Variant, get_variant
from vtr.warehouse.vectors import (
    LANCE_ERRORS,
    VectorStore,
    check_vectors,
    vector_batch,
    vector_schema,
)


@dataclass
class Fragments:
    """Data files of one variant's rows, written but not committed; picklable."""

    variant_id: str
    table: str
    item_ids: list[str]
    fragments: list[str]  # lance FragmentMetadata, each as JSON text
    dim: int = 0


def write_fragments(
    vectors_path: Path,
    table: str,
    dataset: str,
    ids: list[str],
    vectors: np.ndarray,
    variant_id: str,
) -> Fragments:
    """Phase 1: write rows (dataset, item_id, vector) as uncommitted Lance data files.

    Validates like `VectorStore.append` (2-D, finite, the dim of an existing table) and
    touches no catalog, so any process may call it.
    """
    store = VectorStore(vectors_path)
    vectors = check_vectors(table, ids, vectors, store.table_dim(table))
    if not len(ids):
        return Fragments(variant_id, table, [], [], 0)
    batch = vector_batch(dataset, ids, vectors)
    uri = str(store.table_path(table))
    # "create" for a table with no commit yet ("append" would warn that it creates one)
    mode = "append" if store.has_table(table) else "create"
    try:
        written = lance.fragment.write_fragments(batch, uri, batch.schema, mode=mode)
    except OSError as err:
        if mode == "append" or "already exists" not in str(err):
            raise
        # the driver committed the table's first rows meanwhile
        written = lance.fragment.write_fragments(batch, uri, batch.schema, mode="append")
    return Fragments(
        variant_id,
        table,
        list(ids),
        [json.dumps(meta.to_json()) for meta in written],
        int(vectors.shape[1]),
    )


class Committer:
    """The driver's side: buffers `Fragments`, commits them every `every` items."""

    def __init__(self, wh, dataset: str, run_id: int, every: int = 256) -> None:
        if every < 1:
            raise ValueError(f"commit every must be at least 1 item, not {every}")
        self.wh, self.dataset, self.run_id, self.every = wh, dataset, run_id, every
        self.pending: list[Fragments] = []
        self.writes: list[tuple[str, list[dict]]] = []  # catalog rows for the next commit
        self.items: set[str] = set()
        self.committed: dict[str, int] = defaultdict(int)  # rows per variant
        self.commits = 0

    def add(self, parts: Iterable[Fragments], writes: Iterable[tuple[str, list]] = ()) -> None:
        """Buffer `parts`; `writes` ((named SQL, parameter rows), ...) run in the
        transaction of the next commit, beside its done marks."""
        self.writes.extend(writes)
        for part in parts:
            if len(part.fragments) and not part.dim:
                raise ValueError(f"fragments of {part.variant_id!r} do not give their dim")
            self.pending.append(part)
            self.items.update(part.item_ids)
        if len(self.items) >= self.every:
            self.commit()

    def commit(self) -> None:
        """Phase 2: one Lance Append per table, then one catalog transaction of done marks."""
        parts = [part for part in self.pending if part.item_ids]
        writes, self.writes = self.writes, []
        self.pending, self.items = [], set()
        if not parts:
            if writes:
                with self.wh.transaction():
                    self._write(writes)
            return
        # connected before the Lance commits, so the catalog's commit follows them at once
        # (a reconnect between the two would widen the window a crash leaves unmarked rows)
        with self.wh.session():
            self._commit(parts, writes)
        for part in parts:
            self.committed[part.variant_id] += len(part.item_ids)
        self.commits += 1

    def _commit(self, parts: list[Fragments], writes: list[tuple[str, list]]) -> None:
        by_table: dict[str, list[Fragments]] = defaultdict(list)
        for part in parts:
            by_table[part.table].append(part)
        dims = {
            table: _table_dim(self.wh.vectors, table, group) for table, group in by_table.items()
        }
        for table, group in by_table.items():
            _append(self.wh.vectors, table, group, dims[table])
        marks = pa.table(
            {
                "variant_id": [part.variant_id for part in parts for _ in part.item_ids],
                "item_id": [item for part in parts for item in part.item_ids],
            },
            schema=pa.schema([("variant_id", pa.string()), ("item_id", pa.string())]),
        )
        self._mark_done(marks, writes)

    def _mark_done(self, marks: pa.Table, writes: list[tuple[str, list]] = ()) -> None:
        with self.wh.transaction() as con, registered(con, "new_marks", marks):
            self._write(writes)
            self.wh.sql("ingest/mark_done", {"dataset": self.dataset, "run_id": self.run_id})
            self.wh.sql("runs/heartbeat", {"run_id": self.run_id})

    def _write(self, writes: list[tuple[str, list]]) -> None:
        for name, rows in writes:
            self.wh.sql_many(name, rows)

    def close(self) -> None:
        self.commit()


def _table_dim(store: VectorStore, table: str, parts: list[Fragments]) -> int:
    """The one dim of `parts`, which an existing table must store; else EmbeddingError.

    Fragment metadata does not carry column types, so a misfit would go unnoticed.
    """
    dims = {part.dim for part in parts} | ({store.table_dim(table)} - {None})
    if len(dims) > 1:
        raise EmbeddingError(
            f"{table}: the fragments of {parts[0].variant_id!r} and the table disagree on the "
            f"dim ({sorted(dims)}); nothing was committed"
        )
    return dims.pop()


def _append(store: VectorStore, table: str, parts: list[Fragments], dim: int) -> None:
    fragments = [FragmentMetadata.from_json(text) for part in parts for text in part.fragments]
    uri = str(store.table_path(table))
    store.discard_broken_first_commit(table)
    if store.has_table(table):
        version = lance.dataset(uri).version
        lance.LanceDataset.commit(uri, lance.LanceOperation.Append(fragments), read_version=version)
    else:  # the first commit creates the table with its rows
        lance.LanceDataset.commit(
            uri, lance.LanceOperation.Overwrite(vector_schema(dim), fragments)
        )


def reconcile(wh, dataset: str, variants: Iterable[Variant | str]) -> dict[str, set[str]]:
    """Make each variant's table of `dataset` hold exactly its done items; return those.

    Rows without a done mark (a crash between the Lance and the catalog commit) and
    extra copies of a marked item are deleted; a mark whose row is gone is dropped, so
    that item is embedded again.
    """
    done = {}
    for variant in variants:
        variant_id = variant.id if isinstance(variant, Variant) else variant
        table = variant.lance_table if isinstance(variant, Variant) else _table(wh, variant)
        rows = wh.sql("ingest/done_ids", {"dataset": dataset, "variant_id": variant_id})
        marks = {row[0] for row in rows.fetchall()}
        present = _clean_table(wh.vectors, table, dataset, marks)
        stale = marks - present
        if stale:
            _unmark(wh, dataset, variant_id, stale)
        done[variant_id] = marks & present
    return done


def _table(wh, variant_id: str) -> str:
    return get_variant(wh, variant_id)["lance_table"]


def _clean_table(store: VectorStore, table: str, dataset: str, marks: set[str]) -> set[str]:
    """Delete unmarked and duplicate rows of `dataset`; the marked item ids left.

    A killed first commit (a 0-byte manifest) is discarded first, so this ingest makes
    the table anew instead of failing on it."""
    store.discard_broken_first_commit(table)
    if not store.has_table(table):
        return set()
    data = _read_ids(store, table)
    data = data.filter(pc.equal(data["dataset"], dataset))
    item_ids = data["item_id"].combine_chunks()
    groups = pc.index_in(item_ids, value_set=pc.unique(item_ids)).to_numpy(zero_copy_only=False)
    keep = np.zeros(len(item_ids), dtype=bool)
    keep[np.unique(groups, return_index=True)[1]] = True  # the first row of each item
    marked = pa.array(sorted(marks), pa.string())
    keep &= pc.is_in(item_ids, value_set=marked).to_numpy(zero_copy_only=False)
    kept = set(item_ids.filter(pa.array(keep)).to_pylist())
    doomed = data["_rowid"].to_numpy()[~keep].tolist()
    if doomed:  # row ids are integers: nothing of an item id reaches the predicate
        ds = lance.dataset(str(store.table_path(table)))
        ds.delete(f"_rowid IN ({', '.join(str(int(r)) for r in doomed)})")
    return kept


def _read_ids(store: VectorStore, table: str) -> pa.Table:
    """(dataset, item_id, _rowid) of every row; fragments with an unreadable data file
    (deleted, truncated) are dropped first, so their items are embedded again."""
    uri = str(store.table_path(table))
    try:
        return lance.dataset(uri).to_table(columns=["dataset", "item_id"], with_row_id=True)
    except LANCE_ERRORS as err:
        try:
            bad = [fragment_id for fragment_id, _, _ in store.unreadable_fragments(table)]
        except LANCE_ERRORS:
            bad = []
        if not bad:
            raise store.damaged(table, err) from None
    store.drop_fragments(table, bad)
    return lance.dataset(uri).to_table(columns=["dataset", "item_id"], with_row_id=True)


def _unmark(wh, dataset: str, variant_id: str, items: set[str]) -> None:
    gone = pa.table({"item_id": pa.array(sorted(items), pa.string())})
    with wh.transaction() as con, registered(con, "gone_marks", gone):
        wh.sql("ingest/unmark", {"dataset": dataset, "variant_id": variant_id})
