"""Every ```python block of the README runs, as written, in a fresh folder.

A section whose python blocks continue its shell blocks is run whole by its own test
and is left out here: "Bring your own data" (tests/test_import_docs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
RUN_ELSEWHERE = {"Bring your own data": "tests/test_import_docs.py"}


def _blocks() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title = section.splitlines()[0].strip()
        if title in RUN_ELSEWHERE:
            continue
        found += [
            (title, body) for body in re.findall(r"^```python\n(.*?)^```", section, re.M | re.S)
        ]
    return found


BLOCKS = _blocks()


def test_the_readme_has_python_examples_and_the_left_out_sections_exist():
    assert BLOCKS
    text = README.read_text(encoding="utf-8")
    for title, test in RUN_ELSEWHERE.items():
        assert f"## {title}\n" in text and (README.parent / test).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_python_block_runs(number, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    title, body = BLOCKS[number]
    exec(compile(body, f"README.md, section {title!r}", "exec"), {"__name__": "__readme__"})
