"""Checks every report type must pass: links resolve, tables have rows."""

from __future__ import annotations

import re
from pathlib import Path

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def assert_self_contained(report: Path) -> list[Path]:
    """Every image link of `report` is a relative path to a PNG beside it; return them."""
    text = report.read_text(encoding="utf-8")
    links = IMAGE_LINK.findall(text)
    assert links, "the report shows no image"
    paths = []
    for link in links:
        assert not Path(link).is_absolute() and "://" not in link, link
        target = report.parent / link
        assert target.is_file(), f"image {link} does not exist"
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{link} is not a PNG"
        paths.append(target)
    return paths


def markdown_tables(text: str) -> list[list[str]]:
    """Every markdown table of `text` as its list of lines (header, rule, rows)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def assert_tables_have_rows(report: Path) -> int:
    """Every table has a header, a rule and at least one row; return the number of tables."""
    tables = markdown_tables(report.read_text(encoding="utf-8"))
    assert tables, "the report has no table"
    for lines in tables:
        assert len(lines) >= 3, f"table without rows: {lines[0]}"
        assert set(lines[1]) <= set("|-: "), f"no header rule under {lines[0]}"
    return len(tables)
