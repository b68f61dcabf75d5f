"""docs/bring-your-own-data.md documents every import format and option (its code blocks
run in tests/test_docs_run.py)."""

from __future__ import annotations

from pathlib import Path

import click
import typer

from vtr.cli.app import app
from vtr.ingest.importers import FORMATS

PAGE = Path(__file__).resolve().parents[1] / "docs" / "bring-your-own-data.md"


def _section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("## Features: `vtr import` and `vtr export`")
    return text[start : text.index("\n## ", start + 3)]


def test_every_import_format_and_option_is_documented():
    section = _section()
    for name in FORMATS:
        assert f"`{name}`" in section, name
    command = typer.main.get_command(app)
    for name in ("import", "export"):
        sub = command.commands[name]
        assert sub.help and "Examples:" in sub.help
        for param in sub.params:
            if isinstance(param, click.Option) and param.name != "as_json":
                assert param.help, (name, param.name)
    for option in ("--allow-extra", "--allow-pickle", "--key", "--id-column", "--vector-column",
                   "--temporal", "--naming", "--frames", "--backbone"):  # fmt: skip
        assert option in section, option
