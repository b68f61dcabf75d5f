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


PACKAGE_DIRS = ("vtr", "warehouse", "ingest", "models", "reports")
NAME_LITERAL = re.compile(r"""["']([a-z_]+/[a-z0-9_]+)["']""")


def _names_in_code() -> dict[str, list[str]]:
    """Every string literal in vtr's code shaped like a SQL name of a shipped group."""
    from pathlib import Path

    groups = {path.parent.name for path in SQL_FILES}
    root = SQL_DIR.parent
    found: dict[str, list[str]] = {}
    for folder in PACKAGE_DIRS:
        for path in sorted(Path(root, folder).rglob("*.py")):
            for name in NAME_LITERAL.findall(path.read_text(encoding="utf-8")):
                if name.split("/")[0] in groups:
                    found.setdefault(name, []).append(str(path.relative_to(root)))
    return found


def test_every_sql_name_the_code_passes_exists():
    from vtr.warehouse.queries import sql_names

    used = _names_in_code()
    assert len(used) > 50  # the scan sees the code's names
    missing = {name: where for name, where in used.items() if name not in sql_names()}
    assert not missing, f"SQL names in code without a file: {missing}"


def test_an_unknown_sql_name_is_a_vtr_error_naming_the_closest():
    from vtr.errors import UnknownQuery
    from vtr.warehouse.queries import load_sql

    with pytest.raises(UnknownQuery, match="'metrics/retrival'.*did you mean metrics/retrieval"):
        load_sql("metrics/retrival")
