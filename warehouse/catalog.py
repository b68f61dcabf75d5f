"""A warehouse directory: `catalog.duckdb` (metadata, results) + `lance/` (embeddings).

A `Warehouse` holds its DuckDB connection only while it needs it: `wh.con` connects on
first use (waiting for another holder, see `vtr.warehouse.connect`), `wh.release()`
closes it and keeps the object usable, and `with wh.session():` or
`with wh.transaction():` connect for one block and, when they connected, release at
its end. Long jobs release between commits, so other commands can open the catalog
meanwhile (DuckDB allows one writing process per file and no reader beside it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from vtr.errors import WarehouseExists, WarehouseNotFound
from vtr.warehouse.connect import connect, corrupt_error, is_corruption
from vtr.warehouse.migrations import migrate
from vtr.warehouse.queries import load_sql, query, query_dicts

CATALOG_FILE = "catalog.duckdb"
LANCE_DIR = "lance"


class Warehouse:
    """An open warehouse. Use `init_warehouse` or `open_warehouse` to get one.

    `reopen`: the connection may be released and made again from `catalog_path` (a
    warehouse built on an in-memory connection keeps its one connection)."""

    def __init__(
        self,
        root: Path,
        con: duckdb.DuckDBPyConnection | None,
        read_only: bool,
        reopen: bool = False,
        wait: float | None = None,
    ) -> None:
        self.root = root
        self._con = con
        self.read_only = read_only
        self.reopen = reopen
        self.wait = wait
        self.connects = 0 if con is None else 1
        self._depth = 0  # open sessions / transactions
        self._lance = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, made (again) when released."""
        if self._con is None:
            if not self.reopen:
                raise RuntimeError(f"the catalog connection of {self.root} is closed")
            self._con = connect(self.catalog_path, self.read_only, self.wait)
            self.connects += 1
        return self._con

    @property
    def connected(self) -> bool:
        return self._con is not None

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
        with self._corruption_named():
            return query(self.con, name, params)

    def sql_many(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Run a named SQL file once per parameter dict."""
        if rows:
            with self._corruption_named():
                self.con.executemany(load_sql(name), rows)

    def rows(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a named SQL file as dicts."""
        with self._corruption_named():
            return query_dicts(self.con, name, params)

    @contextmanager
    def _corruption_named(self) -> Iterator[None]:
        try:
            yield
        except duckdb.Error as err:
            if is_corruption(err):
                raise corrupt_error(self.catalog_path, err) from None
            raise

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection for one block; released at its end when this block made it."""
        made = self._con is None
        self._depth += 1
        try:
            yield self.con
        finally:
            self._depth -= 1
            if made and not self._depth:
                self.release()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One catalog transaction (committed, or rolled back on an error), in a session."""
        with self.session() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def release(self) -> None:
        """Close the catalog connection (outside any session) and stay usable: the next
        use connects again. A long job calls it before work that needs no catalog."""
        if self.reopen and self._con is not None and not self._depth:
            con, self._con = self._con, None
            con.close()

    def close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    con = connect(root / CATALOG_FILE, read_only=False)
    _migrate(con, root)
    return Warehouse(root, con, read_only=False, reopen=True)


def open_warehouse(
    root: str | Path, read_only: bool = False, wait: float | None = None
) -> Warehouse:
    """Open an existing warehouse; read-write opens bring its schema up to date.

    `wait`: seconds to wait for a catalog another process holds (default: `--wait`,
    $VTR_WAIT or 60), also at each later reconnect after `release`."""
    root = Path(root)
    if not (root / CATALOG_FILE).is_file():
        raise WarehouseNotFound(
            f"{root} is not a vtr warehouse (no {CATALOG_FILE}); create one with `vtr init {root}`"
        )
    con = connect(root / CATALOG_FILE, read_only=read_only, wait=wait)
    if not read_only:
        _migrate(con, root)
    return Warehouse(root, con, read_only=read_only, reopen=True, wait=wait)


def _migrate(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Bring the schema up to date; a damaged file met on the way is CatalogCorrupt."""
    try:
        migrate(con, root / LANCE_DIR)
    except duckdb.Error as err:
        if not is_corruption(err):
            raise
        con.close()
        raise corrupt_error(root / CATALOG_FILE, err) from None
