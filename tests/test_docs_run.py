"""Every code block of README.md and docs/*.md runs, as written, page by page (see
tests/docs_blocks.py for how each fence language runs)."""

from __future__ import annotations

import pytest
from docs_blocks import LANGUAGES, PAGES, blocks, commands, indented_code, run_page


def test_every_page_has_only_blocks_that_run():
    assert len(PAGES) >= 12, [p.name for p in PAGES]
    for page in PAGES:
        for block in blocks(page):
            assert block.language in LANGUAGES, f"{block.where}: fence {block.language!r}"
        assert not indented_code(page), (page.name, indented_code(page))


def test_bash_blocks_are_split_into_whole_commands():
    body = "# a comment\nvtr init wh/\nvtr eval wh/ --dataset d \\\n    --split test\n\n"
    assert commands(body) == ["vtr init wh/", "vtr eval wh/ --dataset d --split test"]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = run_page(page, tmp_path)
    assert ran == len(blocks(page))
