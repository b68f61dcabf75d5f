"""A warehouse directory: `catalog.duckdb` (metadata, results) + `lance/` (embeddings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from vtr.errors import CatalogBusy, WarehouseExists, WarehouseNotFound
from vtr.warehouse.lock_holder import busy_message
from vtr.warehouse.migrations import migrate
from vtr.warehouse.queries import load_sql, query, query_dicts

CATALOG_FILE = "catalog.duckdb"
LANCE_DIR = "lance"


class Warehouse:
    """An open warehouse. Use `init_warehouse` or `open_warehouse` to get one."""

    def __init__(self, root: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.root = root
        self.con = con
        self.read_only = read_only
        self._lance = None

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG_FILE

    @property
    def lance_path(self) -> Path:
        return self.root / LANCE_DIR

    @property
    def vectors(self):
        """The warehouse's `VectorStore` (LanceDB), opened on first use."""
        if self._lance is None:
            from vtr.warehouse.vectors import VectorStore

            self._lance = VectorStore(self.lance_path)
        return self._lance

    def sql(self, name: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
        """Run a named SQL file (`sql/<name>.sql`) with bound parameters."""
        return query(self.con, name, params)

    def sql_many(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Run a named SQL file once per parameter dict."""
        if rows:
            self.con.executemany(load_sql(name), rows)

    def rows(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a named SQL file as dicts."""
        return query_dicts(self.con, name, params)

    def transaction(self) -> _Transaction:
        return _Transaction(self.con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")


def init_warehouse(root: str | Path, exist_ok: bool = False) -> Warehouse:
    """Create a warehouse at `root` (catalog + lance folder) and return it open."""
    root = Path(root)
    if (root / CATALOG_FILE).exists() and not exist_ok:
        raise WarehouseExists(f"{root} already holds a warehouse ({CATALOG_FILE} exists)")
    if root.exists() and not root.is_dir():
        raise WarehouseExists(
            f"{root} is a file, not a folder: a warehouse is a folder (catalog.duckdb + lance/); "
            "give `vtr init` a new or empty folder"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a parent is a file, or the folder cannot be created
        raise WarehouseExists(
            f"cannot create the warehouse folder {root}: {err.strerror}"
        ) from None
    (root / LANCE_DIR).mkdir(exist_ok=True)
    con = _connect(root / CATALOG_FILE, read_only=False)
    migrate(con, root / LANCE_DIR)
    return Warehouse(root, con, read_only=False)


def open_warehouse(root: str | Path, read_only: bool = False) -> Warehouse:
    """Open an existing warehouse; read-write opens bring its schema up to date."""
    root = Path(root)
    if not (root / CATALOG_FILE).is_file():
        raise WarehouseNotFound(
            f"{root} is not a vtr warehouse (no {CATALOG_FILE}); create one with `vtr init {root}`"
        )
    con = _connect(root / CATALOG_FILE, read_only=read_only)
    if not read_only:
        migrate(con, root / LANCE_DIR)
    return Warehouse(root, con, read_only=read_only)


_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection; CatalogBusy (naming the holder's PID) when another process has it.

    DuckDB lets one process write a file, and no other process open it meanwhile, not
    even read-only; the error says which process holds it, and how (see lock_holder).
    """
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as err:
        if "lock" not in str(err).lower():
            raise
        match = _LOCK_HOLDER.search(str(err))
        pid = int(match.group(1)) if match else None
        raise CatalogBusy(busy_message(path, pid, read_only)) from None
