"""A second process opening a catalog that another process writes gets a clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from vtr.cli.report_cmds import register
from vtr.errors import CatalogBusy
from vtr.warehouse import init_warehouse, open_warehouse

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SELECT 1")
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def held(tmp_path):
    root = tmp_path / "busy wh"
    init_warehouse(root).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root / "catalog.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield root, proc
    finally:
        if not proc.stdin.closed:
            proc.stdin.close()
        proc.wait(timeout=30)


@pytest.mark.parametrize("read_only", [False, True])
def test_second_opener_is_told_who_holds_the_catalog(held, read_only):
    root, proc = held
    with pytest.raises(CatalogBusy, match=rf"catalog busy \(held by PID {proc.pid}\)"):
        open_warehouse(root, read_only=read_only)


def test_cli_exits_4_with_the_message(held):
    root, proc = held
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["report", str(root), "--eval", "1"])
    assert result.exit_code == 4
    assert f"held by PID {proc.pid}" in " ".join(result.output.split())


def test_catalog_opens_again_once_the_holder_ends(held):
    root, proc = held
    with pytest.raises(CatalogBusy):
        open_warehouse(root)
    proc.stdin.close()
    proc.wait(timeout=30)
    with open_warehouse(root) as wh:
        assert wh.rows("catalog/current_version")[0]["version"] >= 1
