"""The README's "Bring your own data" section runs as written, and documents every option."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import typer
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.ingest.importers import FORMATS

README = Path(__file__).resolve().parents[1] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Bring your own data")
    return text[start : text.index("\n## ", start + 3)]


def test_the_bring_your_own_data_walk_through_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    blocks = re.findall(r"```(bash|python)\n(.*?)```", _section(), re.S)
    assert len(blocks) >= 3
    ran = 0
    for language, body in blocks:
        if language == "python":
            exec(compile(body, "README.md", "exec"), {})
            continue
        for line in body.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            args = shlex.split(line)
            assert args[0] == "vtr", line
            result = runner.invoke(app, args[1:])
            assert result.exit_code == 0, (line, result.output)
            ran += 1
    assert ran >= 15


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
