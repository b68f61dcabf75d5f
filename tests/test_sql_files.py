"""Every SQL file that ships with vtr parses (sqlglot, duckdb dialect) and binds its inputs."""

from __future__ import annotations

import re

import pytest
import sqlglot

from vtr.warehouse.queries import SQL_DIR, list_sql_files

SQL_FILES = list_sql_files()


def test_sql_files_are_found():
    groups = {path.parent.name for path in SQL_FILES}
    assert {"schema", "evals", "metrics"} <= groups


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(SQL_DIR)))
def test_sql_file_parses(path):
    statements = sqlglot.parse(path.read_text(), read="duckdb")
    statements = [s for s in statements if s is not None]
    assert statements, f"{path} holds no SQL statement"


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(SQL_DIR)))
def test_sql_file_has_no_string_formatting_placeholders(path):
    text = path.read_text()
    assert not re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\(?[a-z_]*\)?s\b", text), (
        f"{path} looks string-formatted; bind parameters as $name"
    )
