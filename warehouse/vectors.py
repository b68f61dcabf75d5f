"""Embedding tables in LanceDB: one table per variant, rows keyed by (dataset, item_id)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import lance
import lancedb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vtr.errors import EmbeddingError, EvalInputError, WarehouseDamaged

LANCE_ERRORS = (OSError, RuntimeError, ValueError)  # what Lance raises for a bad file


def vector_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            pa.field("dataset", pa.string(), nullable=False),
            pa.field("item_id", pa.string(), nullable=False),
            pa.field("vector", pa.list_(pa.float32(), dim), nullable=False),
        ]
    )


def vectors_to_arrow(vectors: np.ndarray) -> pa.FixedSizeListArray:
    """A (n, dim) float array as an Arrow FixedSizeList<float32>[dim] column."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a (n, dim) array, got shape {vectors.shape}")
    return pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), vectors.shape[1])


def check_vectors(
    table: str, ids: Sequence[str], vectors: np.ndarray, stored_dim: int | None
) -> np.ndarray:
    """`vectors` as a finite (n, dim) array matching `ids` and the table's dim, else an error."""
    if len(ids) != len(vectors):
        raise ValueError(f"{table}: {len(ids)} ids but {len(vectors)} vectors")
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise EmbeddingError(f"{table}: expected a (n, dim) array, got shape {vectors.shape}")
    bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
    if len(bad):
        raise EmbeddingError(
            f"{table}: {len(bad)} embedding(s) hold NaN or Inf, e.g. item {ids[bad[0]]!r}; "
            "nothing was written"
        )
    if stored_dim is not None and stored_dim != vectors.shape[1]:
        raise EmbeddingError(
            f"{table} stores dim {stored_dim} but these embeddings have dim "
            f"{vectors.shape[1]}; nothing was written"
        )
    return vectors


def vector_batch(dataset: str, ids: Sequence[str], vectors: np.ndarray) -> pa.Table:
    """Rows (dataset, item_id, vector) with an explicit FixedSizeList<float32>[dim] column."""
    return pa.table(
        {
            "dataset": pa.array([dataset] * len(ids), pa.string()),
            "item_id": pa.array(list(ids), pa.string()),
            "vector": vectors_to_arrow(vectors),
        },
        schema=vector_schema(int(vectors.shape[1])),
    )


class VectorStore:
    """The warehouse's LanceDB folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = lancedb.connect(str(self.path))

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.lance"

    def has_table(self, table: str) -> bool:
        """A committed table: one non-empty version manifest at least. Data files written
        ahead of a first commit do not count, nor does the 0-byte manifest of a first
        commit that was killed while it was being written."""
        versions = self.table_path(table) / "_versions"
        return versions.is_dir() and any(
            path.stat().st_size > 0 for path in versions.glob("*.manifest")
        )

    def broken_first_commit(self, table: str) -> bool:
        """A `_versions/` folder without any non-empty manifest (a killed first commit)."""
        return (self.table_path(table) / "_versions").is_dir() and not self.has_table(table)

    def discard_broken_first_commit(self, table: str) -> bool:
        """Remove the `_versions/` of a killed first commit (nothing was committed, so
        nothing is lost); the table's next commit is then its first. Only the process
        that commits may call it. Whether there was one to remove."""
        if not self.broken_first_commit(table):
            return False
        shutil.rmtree(self.table_path(table) / "_versions")
        return True

    def table_dim(self, table: str) -> int | None:
        """The vector dim `table` stores, None when it does not exist."""
        if not self.has_table(table):
            return None
        return self.db.open_table(table).schema.field("vector").type.list_size

    def ensure_table(self, table: str, dim: int):
        self.discard_broken_first_commit(table)
        if self.has_table(table):
            return self.db.open_table(table)
        return self.db.create_table(table, schema=vector_schema(dim))

    def _scan(self, table: str, columns: list[str]) -> pa.Table:
        try:
            return self.db.open_table(table).to_lance().to_table(columns=columns)
        except LANCE_ERRORS as err:
            raise self.damaged(table, err) from None

    def damaged(self, table: str, err: BaseException) -> WarehouseDamaged:
        """The error for an unreadable `table`, naming its unreadable files."""
        try:
            bad = self.unreadable_fragments(table)
        except LANCE_ERRORS:
            bad = []
        files = ", ".join(path for _, paths, _ in bad for path in paths) or "its current version"
        cause = str(err).split(", /")[0].removeprefix("External error: ")
        return WarehouseDamaged(
            f"embedding table {table} cannot be read ({files}: {cause}); "
            f"run `vtr check --repair {self.path.parent}`"
        )

    def unreadable_fragments(self, table: str) -> list[tuple[int, list[str], str]]:
        """(fragment id, its data files, the error) of each fragment that does not scan."""
        uri = self.table_path(table)
        bad = []
        for fragment in lance.dataset(str(uri)).get_fragments():
            try:
                for _ in fragment.to_batches(columns=["dataset", "item_id", "vector"]):
                    pass
            except LANCE_ERRORS as err:
                files = [str(uri / "data" / Path(f.path).name) for f in fragment.metadata.files]
                bad.append((fragment.fragment_id, files, str(err).split(", /")[0]))
        return bad

    def drop_fragments(self, table: str, fragment_ids: list[int]) -> None:
        """Remove whole fragments from `table` in one commit (their rows are gone)."""
        uri = str(self.table_path(table))
        version = lance.dataset(uri).version
        operation = lance.LanceOperation.Delete([], [int(i) for i in fragment_ids], "false")
        lance.LanceDataset.commit(uri, operation, read_version=version)

    def existing_ids(self, table: str, dataset: str) -> set[str]:
        """Item ids of `dataset` already stored in `table`."""
        if not self.has_table(table):
            return set()
        data = self._scan(table, ["dataset", "item_id"])
        mask = pc.equal(data["dataset"], dataset)
        return set(data.filter(mask)["item_id"].to_pylist())

    def count(self, table: str, dataset: str | None = None) -> int:
        if not self.has_table(table):
            return 0
        if dataset is None:
            return self.db.open_table(table).count_rows()
        return len(self.existing_ids(table, dataset))

    def append(self, table: str, dataset: str, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Append rows in one Lance commit (atomic: all rows or none)."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        if not len(ids):
            return
        vectors = check_vectors(table, ids, vectors, self.table_dim(table))
        batch = vector_batch(dataset, ids, vectors)
        self.discard_broken_first_commit(table)
        if self.has_table(table):
            self.db.open_table(table).add(batch)
        else:  # a new table is created with its first rows: one commit, not two
            self.db.create_table(table, data=batch, schema=batch.schema)

    def read(
        self, table: str, dataset: str, ids: Sequence[str] | None = None
    ) -> tuple[list[str], np.ndarray]:
        """Vectors of `dataset` in `table`, in the order of `ids` (all rows when None)."""
        if not self.has_table(table):
            raise EvalInputError(f"embedding table {table!r} does not exist in {self.path}")
        data = self._scan(table, ["dataset", "item_id", "vector"])
        data = data.filter(pc.equal(data["dataset"], dataset))
        stored_ids = data["item_id"].to_pylist()
        flat = data["vector"].combine_chunks()
        dim = flat.type.list_size
        matrix = flat.values.to_numpy(zero_copy_only=False).reshape(-1, dim)
        if ids is None:
            return stored_ids, matrix
        position = {item: i for i, item in enumerate(stored_ids)}
        missing = [item for item in ids if item not in position]
        if missing:
            raise EvalInputError(
                f"{len(missing)} item(s) of dataset {dataset!r} have no row in {table!r}, "
                f"e.g. {missing[:3]}; run `vtr ingest` for them first"
            )
        order = np.fromiter((position[item] for item in ids), dtype=np.int64, count=len(ids))
        return list(ids), matrix[order]
