"""The CLI contract, walked over the real Typer app: every command has help with an
example, every option has help, the README or a page of docs/ mentions every command,
and every command that lists or summarises can print JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from vtr.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
# where users look for a command: the README and, where there is one, the docs/ folder
DOC_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCS = "\n".join(page.read_text(encoding="utf-8") for page in DOC_PAGES)

# Commands whose output is a path or a session, not a listing or a summary.
NO_JSON = {
    "init": "prints the new catalog's path",
    "shell": "an interactive DuckDB session",
    "report": "writes a report folder and prints its report.md",
    "report-moments": "writes a report folder and prints its report.md",
    "report-steps": "writes a report folder and prints its report.md",
    "demo": "prints the report index's path last, by contract",
    "synth retrieval": "writes a corpus and prints its annotations path",
    "synth moments": "writes a corpus and prints its annotations path",
    "synth steps": "writes a corpus and prints its annotations path",
    "serve": "a web server; every page's data is JSON at /api/<page>",
}


# Commands also reached by a shorter name, which their example may use.
ALIASES = {"train retrieval": "vtr train "}


def _commands(command, path=()):
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


COMMANDS = dict(_commands(typer.main.get_command(app)))


def test_the_walk_sees_every_command():
    assert {"init", "ingest", "eval", "train retrieval", "metrics moments"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_with_an_example(name):
    text = COMMANDS[name].help or ""
    assert text.strip(), f"`vtr {name}` has no help"
    example = re.search(r"^\s*Example", text, flags=re.M)
    assert example, f"`vtr {name}` --help has no line starting with 'Example'"
    shown = text[example.start() :]
    calls = (f"vtr {name}", ALIASES.get(name, f"vtr {name}"))
    assert any(call in shown for call in calls), f"`vtr {name}`'s example does not run it"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help(name):
    bare = [
        "/".join(p.opts)
        for p in COMMANDS[name].params
        if type(p).__name__.endswith("Option") and not (p.help or "").strip()
    ]
    assert not bare, f"`vtr {name}` options without help: {bare}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_docs_mention_the_command(name):
    assert f"vtr {name}" in DOCS, f"neither README.md nor docs/*.md mentions `vtr {name}`"


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - set(NO_JSON)))
def test_listing_and_summarising_commands_print_json(name):
    flags = {o for p in COMMANDS[name].params for o in getattr(p, "opts", [])}
    assert "--json" in flags, f"`vtr {name}` lists or summarises but has no --json"


def test_exemptions_name_real_commands():
    assert set(NO_JSON) <= set(COMMANDS)


def test_listings_print_parseable_json(tmp_path):
    import json

    from typer.testing import CliRunner

    runner = CliRunner()
    root = tmp_path / "wh"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    for command in ("runs", "errors", "datasets", "variants", "evals"):
        result = runner.invoke(app, [command, str(root), "--json"])
        assert result.exit_code == 0, (command, result.output)
        assert json.loads(result.stdout) == [], command
    families = json.loads(runner.invoke(app, ["backbones", "--json"]).stdout)
    assert "open_clip" in families["families"] and families["open_clip_architectures"]
