"""README.md and docs/*.md registry blocks hold exactly what the registries generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtr.registry import BLOCK, doc_files, render_blocks
from vtr.registry_docs import TABLES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", [p for p in doc_files(ROOT) if p.is_file()], ids=str)
def test_every_registry_block_matches_its_registry(path):
    text = path.read_text(encoding="utf-8")
    assert render_blocks(text, TABLES) == text, (
        f"{path.name}: a registry block is out of date; run `make docs` (python -m vtr.registry)"
    )


def test_the_docs_have_a_block_per_registry():
    text = "\n".join(p.read_text(encoding="utf-8") for p in doc_files(ROOT) if p.is_file())
    kinds = [m.group(2) for m in BLOCK.finditer(text)]
    assert sorted(kinds) == sorted(TABLES)  # each table once


def test_a_stale_block_is_rewritten_and_an_unknown_one_refused():
    from vtr.errors import UnknownItem

    stale = "intro\n<!-- registry:heads -->\n| old |\n<!-- /registry:heads -->\nend\n"
    fresh = render_blocks(stale, TABLES)
    assert "| old |" not in fresh and "`transformer`" in fresh and fresh.endswith("end\n")
    assert render_blocks(fresh, TABLES) == fresh
    with pytest.raises(UnknownItem, match="unknown registry block 'nope'"):
        render_blocks("<!-- registry:nope -->\n<!-- /registry:nope -->", TABLES)
