"""A second process opening a catalog that another process holds waits, then says who.

And a damaged catalog is reported as damage (CatalogCorrupt, exit 5), never as busy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from vtr.cli.app import app as vtr_app
from vtr.cli.report_cmds import register
from vtr.errors import CatalogBusy, CatalogCorrupt
from vtr.warehouse import init_warehouse, open_warehouse
from vtr.warehouse.connect import WAIT_ENV, set_wait, wait_seconds

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SELECT 1")
print("holding", flush=True)
sys.stdin.read()
"""
ROOT = Path(__file__).resolve().parents[1]
VTR = [sys.executable, "-c", "from vtr.cli import main; main()"]


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
        open_warehouse(root, read_only=read_only, wait=0)


def test_cli_exits_4_with_the_message_after_the_wait(held):
    root, proc = held
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    set_wait(0.5)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(app, ["report", str(root), "--eval", "1"])
        waited = time.monotonic() - started
    finally:
        set_wait(None)
    assert result.exit_code == 4
    message = " ".join(result.output.split())
    assert f"held by PID {proc.pid}" in message and "open for writing" in message
    assert "gave up after waiting 0.5 s" in message and "--wait" in message
    assert waited >= 0.5
    assert message.count("vtr: waiting up to 0.5 s for the catalog") == 1  # said once
    assert f"held by process {proc.pid}" in message


def test_an_open_waits_until_the_holder_lets_go(held, capfd):
    root, proc = held
    threading.Timer(1.0, proc.stdin.close).start()
    started = time.monotonic()
    with open_warehouse(root, wait=60) as wh:
        assert wh.rows("catalog/current_version")[0]["version"] >= 1
    assert 0.9 <= time.monotonic() - started < 30
    assert f"held by process {proc.pid}" in capfd.readouterr().err


def test_wait_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(WAIT_ENV, raising=False)
    assert wait_seconds() == 60
    monkeypatch.setenv(WAIT_ENV, "2.5")
    assert wait_seconds() == 2.5
    set_wait(0)
    try:
        assert wait_seconds() == 0
    finally:
        set_wait(None)
    monkeypatch.setenv(WAIT_ENV, "soon")
    with pytest.raises(Exception, match="VTR_WAIT='soon' is not a number of seconds"):
        wait_seconds()


def test_the_global_wait_option_reaches_the_command(held):
    root, proc = held
    result = CliRunner().invoke(vtr_app, ["--wait", "0", "runs", str(root)])
    assert result.exit_code == 4, result.output
    assert f"held by PID {proc.pid}" in " ".join(result.output.split())
    assert wait_seconds() == 60 or os.environ.get(WAIT_ENV)  # reset after the command


def test_catalog_opens_again_once_the_holder_ends(held):
    root, proc = held
    with pytest.raises(CatalogBusy):
        open_warehouse(root, wait=0)
    proc.stdin.close()
    proc.wait(timeout=30)
    with open_warehouse(root) as wh:
        assert wh.rows("catalog/current_version")[0]["version"] >= 1


# a damaged catalog


def _block_of(catalog: Path, table: str) -> int:
    """The file offset of the last storage block of `table` (DuckDB: a 4 KiB file header,
    two 4 KiB database headers, then blocks of `block_size` bytes)."""
    import duckdb

    con = duckdb.connect(str(catalog), read_only=True)
    try:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        (block,) = con.execute(
            f"SELECT max(block_id) FROM pragma_storage_info('{table}') WHERE block_id >= 0"
        ).fetchone()
    finally:
        con.close()
    return 3 * 4096 + block * block_size


def _damaged_copy(trained: Path, tmp_path: Path, where: str) -> Path:
    """A copy of a real warehouse with garbage in its catalog's header, or in the last
    block the catalog's runs are stored in (towards its tail)."""
    root = tmp_path / f"damaged {where}"
    shutil.copytree(trained, root)
    catalog = root / "catalog.duckdb"
    offset = 0 if where == "header" else _block_of(catalog, "runs")
    with catalog.open("r+b") as handle:
        handle.seek(offset)
        handle.write(os.urandom(4096))
    return root


def _vtr(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VTR, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120)


def _assert_corrupt(done: subprocess.CompletedProcess) -> None:
    message = " ".join(done.stderr.split())
    assert done.returncode == 5, done.stderr
    assert "catalog corrupt:" in message and "busy" not in message
    assert "not a valid DuckDB database file" in message or "checksum" in message
    assert "Restore catalog.duckdb from a backup" in message and "vtr check" in message
    assert "waiting up to" not in message  # no wait for damage
    assert "Traceback" not in done.stderr


def test_garbage_in_the_header_is_corruption_not_busy(trained_wh, tmp_path):
    root = _damaged_copy(trained_wh, tmp_path, "header")
    for read_only in (False, True):
        with pytest.raises(CatalogCorrupt) as err:
            open_warehouse(root, read_only=read_only, wait=0)
        assert "busy" not in str(err.value)
    for command in ("variants", "runs", "evals"):
        _assert_corrupt(_vtr("--wait", "5", command, str(root)))


def test_garbage_in_a_data_block_is_corruption_when_read(trained_wh, tmp_path):
    root = _damaged_copy(trained_wh, tmp_path, "runs")
    _assert_corrupt(_vtr("--wait", "5", "runs", str(root)))


# holding the catalog only while needed

PROBE = "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True).execute('SELECT 1')"


def _another_process_can_open(catalog: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE, str(catalog)], capture_output=True)
    return done.returncode == 0


def test_release_lets_other_processes_in_and_the_warehouse_stays_usable(tmp_path):
    with init_warehouse(tmp_path / "wh") as wh:
        assert not _another_process_can_open(wh.catalog_path)
        wh.release()
        assert not wh.connected and _another_process_can_open(wh.catalog_path)
        assert wh.rows("catalog/current_version")[0]["version"] >= 1  # connects again
        assert wh.connected and wh.connects == 2
        wh.release()
        with wh.transaction() as con:  # a session made for the block ...
            con.execute("CREATE TABLE scratch (x INTEGER)")
            wh.release()  # ... is not closed from inside it
            assert wh.connected
        assert not wh.connected  # ... and released at its end
        with wh.session():
            assert wh.con.execute("SELECT count(*) FROM scratch").fetchone() == (0,)
        wh.con  # noqa: B018 - a connection made outside a session stays
        with wh.session():
            pass
        assert wh.connected
