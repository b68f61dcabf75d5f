"""Markdown building blocks (GitHub-flavoured): escaped text, tables, code, images, numbers.

Everything that comes from the catalog (dataset, category and variant names) goes through
`escape` or `code_span`, so a name holding `|`, `*`, `<`, `$` or a newline cannot break a
table or turn into markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# ASCII punctuation that is markup somewhere in GFM: emphasis, code, links, HTML, entities,
# table cells, strikethrough, math (`$` on GitHub). CommonMark allows a backslash before any
# ASCII punctuation, so escaping these is always safe.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|&$~])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
_BACKTICK_RUNS = re.compile(r"`+")

DASH = "–"


def escape(text: Any) -> str:
    """`text` as inline markdown that renders literally, also inside a table cell."""
    flat = _NEWLINES.sub(" ", str(text))
    return _SPECIAL.sub(r"\\\1", flat)


def code_span(text: Any) -> str:
    """`text` as an inline code span, with a fence longer than any backtick run inside it.

    Not for table cells: GFM splits cells at `|` even inside code spans.
    """
    flat = _NEWLINES.sub(" ", str(text))
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def code_block(text: str, language: str = "") -> str:
    """A fenced code block; the fence is longer than any backtick run in `text`."""
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def number(value: float | int | None, digits: int = 2) -> str:
    """A number with `digits` decimals; None and NaN show as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{value:.{digits}f}"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], align: Sequence[str] | None = None
) -> str:
    """A GFM table; every header and cell is escaped. `align` holds "left" or "right"."""
    if align is None:
        align = ["left"] * len(headers)
    if len(align) != len(headers):
        raise ValueError(f"{len(headers)} headers but {len(align)} alignments")
    rules = {"left": ":---", "right": "---:"}
    lines = [
        _row(headers),
        "| " + " | ".join(rules[a] for a in align) + " |",
    ]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"table row has {len(row)} cells, the header {len(headers)}: {row}")
        lines.append(_row(row))
    return "\n".join(lines)


def image(alt: str, target: str) -> str:
    """An image link; `target` is a relative path (kept as is, spaces percent-encoded)."""
    return f"![{escape(alt)}]({target.replace(' ', '%20')})"


def heading(level: int, text: str) -> str:
    """An ATX heading of `text` (escaped)."""
    return f"{'#' * level} {escape(text)}"


def _row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(escape(cell) for cell in cells) + " |"


def field(label: str, value: str) -> str:
    """A bullet of a report header: `- **label:** value` (`value` already markdown)."""
    return f"- **{label}:** {value}"


def section(title: str, *parts: str, level: int = 2) -> str:
    """A report section: a heading, then `parts` (paragraphs, tables, images) between
    blank lines."""
    return "\n\n".join([heading(level, title), *parts])


def write_document(out: Path, sections: Sequence[str]) -> Path:
    """`sections` (empty ones left out) between blank lines into `out/report.md`; its
    absolute path. OSError as the file system raises it (each report names its own)."""
    path = out / "report.md"
    path.write_text("\n\n".join(s for s in sections if s).rstrip() + "\n", encoding="utf-8")
    return path.resolve()
