"""Named SQL files: every statement vtr runs lives in `sql/<group>/<name>.sql`."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from vtr.errors import UnknownQuery

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def list_sql_files() -> list[Path]:
    """Every `.sql` file that ships with vtr, sorted by path."""
    return sorted(SQL_DIR.glob("*/*.sql"))


@cache
def sql_names() -> frozenset[str]:
    """The name of every shipped SQL file, e.g. "metrics/retrieval"."""
    return frozenset(
        path.relative_to(SQL_DIR).with_suffix("").as_posix() for path in list_sql_files()
    )


@cache
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. `load_sql("metrics/retrieval")`; UnknownQuery
    (with the closest names) for a name vtr does not ship."""
    if name not in sql_names():
        close = difflib.get_close_matches(name, sorted(sql_names()), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownQuery(f"no SQL file named {name!r} in {SQL_DIR}{hint}")
    return (SQL_DIR / f"{name}.sql").read_text()


def query(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run the named SQL file with bound parameters and return the cursor."""
    return con.execute(load_sql(name), params or {})


def query_dicts(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run the named SQL file and return its rows as dicts."""
    cur = query(con, name, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=False)) for row in cur.fetchall()]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """`table` readable by SQL as `name` for the block (Arrow, no copy, no SQL text)."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)
