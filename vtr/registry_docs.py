"""The Markdown tables that README.md and docs/*.md hold between registry markers.

`python -m vtr.registry` (or `make docs`) rewrites them; tests/test_registry_docs.py fails
when a block and its registry disagree.
"""

from __future__ import annotations

from collections.abc import Callable

from vtr.registry import (
    BACKBONES,
    FORMATS,
    HEADS,
    IMPORTERS,
    LOSSES,
    RERANKERS,
    Entry,
    Registry,
)


def _code(entry: Entry) -> str:
    return f"`{entry.name}`"


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{value}`" for value in values)


def _table(registry: Registry, first: str, **columns: Callable[[Entry], str] | str) -> Callable:
    """A table whose first column is the name; `a_b=` columns are headed `a b`."""
    named = {key.replace("_", " "): column for key, column in columns.items()}
    return lambda: registry.markdown_table({first: _code, **named})


TABLES: dict[str, Callable[[], str]] = {
    "backbones": _table(
        BACKBONES,
        "family",
        spec=lambda e: f"`{e.meta['spec']}`".replace("|", "\\|"),
        towers="towers",
        what="help",
    ),
    "formats": _table(
        FORMATS,
        "`--format`",
        extensions=lambda e: _codes(e.meta["extensions"]),
        what="help",
    ),
    "heads": _table(
        HEADS,
        "`--head`",
        input=lambda e: "a sequence (B, T, D)" if e.meta.get("sequence") else "a vector",
        what="help",
    ),
    "losses": _table(LOSSES, "`--loss`", pairs="pairs", what="help"),
    "importers": _table(
        IMPORTERS,
        "`--format`",
        layout="help",
        export=lambda e: "yes" if e.meta.get("exportable") else "",
    ),
    "rerankers": _table(
        RERANKERS,
        "`--rerank`",
        what="help",
        uses_test_statistics=lambda e: "yes" if e.meta["uses_test_statistics"] else "no",
    ),
}
