"""Schema versions: `sql/schema/NNN_name.sql` files applied in order, once each.

A version in REAPPLIED is applied again whenever its text changes (its sha256 is recorded
in schema_version): 021_metrics holds the definition of every retrieval metric, so a
new metric is one edit there, and a warehouse made before it gets it on the next
read-write open.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from vtr.errors import SchemaTooNew
from vtr.warehouse.queries import SQL_DIR, query

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
REAPPLIED = frozenset({21})


def schema_files() -> list[tuple[int, str, Path]]:
    """(version, name, path) of every schema migration, in version order."""
    found = []
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"schema file {path.name!r} is not named NNN_name.sql")
        found.append((int(match.group(1)), match.group(2), path))
    return found


def latest_version() -> int:
    return max(version for version, _, _ in schema_files())


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    query(con, "catalog/schema_version")
    row = query(con, "catalog/current_version").fetchone()
    return int(row[0])


def _backfills() -> dict[int, Callable[[duckdb.DuckDBPyConnection, Path | None], None]]:
    from vtr.warehouse.backfills import mark_existing_rows_done

    return {10: mark_existing_rows_done}


def migrate(con: duckdb.DuckDBPyConnection, lance_path: Path | None = None) -> list[int]:
    """Apply, in version order, every migration the catalog has not recorded; return them.

    Missing versions below the newest applied one are applied too, so a migration that
    was added between two others still reaches catalogs made before it existed. A
    version with a Python backfill (which may read the Lance tables at `lance_path`)
    runs it in the same transaction as its SQL.
    """
    backfills = _backfills()
    have = current_version(con)
    if have > latest_version():
        raise SchemaTooNew(
            f"catalog schema version {have} is newer than this vtr knows ({latest_version()}); "
            "upgrade vtr"
        )
    recorded = {int(row[0]): row[1] for row in query(con, "catalog/applied_versions").fetchall()}
    applied = []
    for version, name, path in schema_files():
        text = path.read_text()
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        if version in recorded and (version not in REAPPLIED or recorded[version] == sha256):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(text)
            if version in backfills:
                backfills[version](con, lance_path)
            params = {"version": version, "sha256": sha256}
            if version in recorded:
                query(con, "catalog/reapplied_version", params)
            else:
                query(con, "catalog/record_version", params | {"name": name})
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
