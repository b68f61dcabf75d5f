"""Every catalog table, view and column explains itself in the shell (DuckDB comments)."""

from __future__ import annotations

import duckdb

from vtr.warehouse.migrations import migrate


def test_every_table_view_and_column_has_a_comment():
    con = duckdb.connect()
    migrate(con)
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND coalesce(comment, '') = ''"
    ).fetchall()
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND coalesce(comment, '') = ''"
    ).fetchall()
    columns = con.execute(
        "SELECT table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name = 'main' AND coalesce(comment, '') = ''"
    ).fetchall()
    assert not tables and not views, (tables, views)
    assert not columns, f"columns without a comment: {[c[0] for c in columns]}"
    n = con.execute("SELECT count(*) FROM duckdb_columns() WHERE NOT internal").fetchone()[0]
    assert n > 200
