"""Let SQL see Lance tables: load DuckDB's `lance` extension offline and name each variant.

The extension file ships inside the `duckdb-extension-lance` pip package, so
`LOAD '<path>'` works without network. Each variant's table is then readable as
`SELECT * FROM '<warehouse>/lance/<lance_table>.lance'`; `embedding_views_sql`
gives every variant a view with a readable name: its `lance_table` without the hash
suffix (`text_st_minilm_final_embed`), which stays only where two variants' names
would otherwise be the same.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from vtr.errors import VtrError

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse


class ExtensionMissing(VtrError):
    """The pip-packaged DuckDB extension is not installed."""


def extension_path(name: str = "lance") -> Path:
    """The `.duckdb_extension` file shipped by the `duckdb-extension-<name>` package."""
    import importlib.util

    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(
            f"the DuckDB {name} extension is not installed: pip install duckdb-extension-{name}"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    version = f"v{duckdb.__version__}"
    found = sorted(root.glob(f"extensions/{version}/{name}.duckdb_extension"))
    found = found or sorted(root.glob(f"extensions/*/{name}.duckdb_extension"))
    if not found:
        raise ExtensionMissing(f"no {name}.duckdb_extension under {root}")
    return found[0]


def literal(value: str) -> str:
    return exp.Literal.string(value).sql(dialect="duckdb")


def identifier(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


def load_lance_sql() -> str:
    return f"LOAD {literal(str(extension_path('lance')))};"


HASH_SUFFIX = re.compile(r"_[0-9a-f]{8}$")


def view_names(tables: list[str]) -> dict[str, str]:
    """Each Lance table's view name: the table name without its hash suffix, unless
    another table would get the same name (then the full, unique table name)."""
    short = {table: HASH_SUFFIX.sub("", table) for table in tables}
    uses = Counter(short.values())
    return {table: name if uses[name] == 1 else table for table, name in short.items()}


def embedding_views_sql(lance_dir: Path, tables: list[str]) -> list[str]:
    """`CREATE TEMP VIEW "<name>" AS SELECT * FROM '<dir>/<table>.lance'` per table."""
    statements = []
    for table, name in view_names(tables).items():
        path = str((Path(lance_dir) / f"{table}.lance").resolve())
        statements.append(
            f"CREATE OR REPLACE TEMP VIEW {identifier(name)} AS SELECT * FROM {literal(path)};"
        )
    return statements


def shell_init_sql(wh: Warehouse) -> str:
    """SQL that prepares a DuckDB session on this warehouse's catalog."""
    tables = [row["lance_table"] for row in wh.rows("variants/list", {"modality": None})]
    existing = [t for t in tables if wh.vectors.table_path(t).is_dir()]
    return "\n".join([load_lance_sql(), *embedding_views_sql(wh.lance_path, existing)]) + "\n"


def attach_embeddings(wh: Warehouse) -> None:
    """Make every variant's Lance table queryable by name on the warehouse connection."""
    for statement in shell_init_sql(wh).splitlines():
        wh.con.execute(statement)
