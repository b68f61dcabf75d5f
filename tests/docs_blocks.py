"""The code blocks of README.md and docs/*.md, read in page order, and how each one runs.

A page is a script: its blocks run in order in one fresh folder, so later blocks use
what earlier ones made. Three fence languages exist, and every block runs:

* `bash`: each command in turn. A plain `vtr ...` line runs in this process through
  the Typer app (no interpreter start per command); any other line (a loop, a pipe, a
  redirect, another program) runs in `bash -euo pipefail` with `.venv/bin` first on
  the PATH. A command that exits non-zero fails the page.
* `python`: executed in one namespace per page.
* `sql`: its first line names the warehouse, `-- in: vtr shell WAREHOUSE`; the block
  runs on that catalog read-only, after the set-up `vtr shell` does (the Lance
  extension, one view per variant), and must return without error.

Any other fence (or none) is refused: a reader cannot tell a block that runs from one
that does not, so there are none that do not.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LANGUAGES = ("bash", "python", "sql")
FENCE = re.compile(r"^```(\S*)\n(.*?)^```\s*$", re.M | re.S)
SHELL_SYNTAX = re.compile(r"[|<>;&$`*]|^\s*(for|if|while|do|done|then|fi|cd|export)\b")
SQL_TARGET = re.compile(r"^--\s*in:\s*vtr shell\s+(\S+)")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page`, in order, with the line each starts on."""
    text = page.read_text(encoding="utf-8")
    return [
        Block(page, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2))
        for m in FENCE.finditer(text)
    ]


def commands(body: str) -> list[str]:
    """A bash block's commands: continuation lines joined, comments and blanks dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", body)
    lines = [line.strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def is_plain_vtr(command: str) -> bool:
    return command.startswith("vtr ") and not SHELL_SYNTAX.search(command)


def run_bash(block: Block, cwd: Path) -> None:
    """Run a bash block: plain `vtr` lines in-process, the whole block in bash otherwise."""
    from typer.testing import CliRunner

    from vtr.cli.app import app

    lines = commands(block.body)
    if not all(is_plain_vtr(line) for line in lines):
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(cwd)}
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.body],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, (block.where, done.stdout[-2000:], done.stderr[-4000:])
        return
    runner = CliRunner()
    for line in lines:
        result = runner.invoke(app, shlex.split(line)[1:])
        assert result.exit_code == 0, (block.where, line, result.output[-4000:])


def run_sql(block: Block, cwd: Path) -> None:
    """Run a sql block read-only on the warehouse its first line names."""
    import duckdb

    from vtr.warehouse import open_warehouse
    from vtr.warehouse.bridge import shell_init_sql

    target = SQL_TARGET.match(block.body)
    assert target, f"{block.where}: a sql block starts with `-- in: vtr shell WAREHOUSE`"
    root = cwd / target.group(1)
    with open_warehouse(root, read_only=True) as wh:
        init = shell_init_sql(wh)
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        con.execute(init)
        for statement in _statements(block.body):
            con.execute(statement).fetchall()
    finally:
        con.close()


def _statements(body: str) -> list[str]:
    text = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in text.split(";") if part.strip()]


def run_page(page: Path, cwd: Path) -> int:
    """Run every block of `page` in `cwd`, in order; the number of blocks run."""
    namespace: dict = {"__name__": "__docs__"}
    found = blocks(page)
    for block in found:
        if block.language == "bash":
            run_bash(block, cwd)
        elif block.language == "python":
            exec(compile(block.body, block.where, "exec"), namespace)
        elif block.language == "sql":
            run_sql(block, cwd)
        else:
            raise AssertionError(
                f"{block.where}: fence {block.language!r} is not one of {LANGUAGES}"
            )
    return len(found)


def indented_code(page: Path) -> list[int]:
    """Lines where an indented (4-space) code block starts, outside fences and lists."""
    found, fenced, previous = [], False, ""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("    ") and not previous.strip() and line.strip():
            found.append(number)
        previous = line
    return found


__all__ = [
    "Block",
    "LANGUAGES",
    "PAGES",
    "blocks",
    "commands",
    "indented_code",
    "is_plain_vtr",
    "run_page",
]
