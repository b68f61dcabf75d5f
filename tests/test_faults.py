"""Faults against the storage layer: kills, concurrent writers, compaction, full disks.

Each test runs its victims as separate processes (spawned interpreters, never forked
from a process holding Lance state) under a timeout.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import duckdb
import numpy as np
import pytest

from vtr.warehouse.vectors import VectorStore

pytestmark = pytest.mark.faults
TIMEOUT = 120
TABLE = "t"


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


APPENDER = """
import sys, numpy as np
from vtr.warehouse.vectors import VectorStore
store = VectorStore(sys.argv[1])
who, batches = sys.argv[2], int(sys.argv[3])
for b in range(batches):
    ids = [f"{who}-{b}-{i}" for i in range(10)]
    store.append("t", "d", ids, np.full((10, 4), b, np.float32))
print("done", flush=True)
"""


def test_concurrent_appenders_lose_and_duplicate_nothing(tmp_path):
    store = VectorStore(tmp_path / "lance")
    store.append(TABLE, "d", ["seed"], np.zeros((1, 4), np.float32))  # the table exists
    procs = [_python(APPENDER, str(tmp_path / "lance"), f"w{w}", "8") for w in range(3)]
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
    ids = store.existing_ids(TABLE, "d")
    assert store.count(TABLE) == 1 + 3 * 8 * 10 == len(ids)


def test_compaction_during_appends_loses_nothing(tmp_path):
    store = VectorStore(tmp_path / "lance")
    store.append(TABLE, "d", ["seed"], np.zeros((1, 4), np.float32))
    proc = _python(APPENDER, str(tmp_path / "lance"), "w", "30")
    compactions = 0
    while proc.poll() is None:
        store.db.open_table(TABLE).to_lance().optimize.compact_files()
        compactions += 1
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    store.db.open_table(TABLE).to_lance().optimize.compact_files()
    assert compactions >= 1
    assert store.count(TABLE) == 1 + 30 * 10 == len(store.existing_ids(TABLE, "d"))


MID_TRANSACTION = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
con.execute("INSERT INTO items SELECT range + 1000 FROM range(50000)")
print("inserted", flush=True)
time.sleep(600)
"""


def test_kill_9_mid_transaction_keeps_only_committed_rows(tmp_path):
    path = str(tmp_path / "catalog.duckdb")
    con = duckdb.connect(path)
    con.execute("CREATE TABLE items (i INTEGER)")
    con.execute("INSERT INTO items SELECT range FROM range(10)")
    con.close()
    proc = _python(MID_TRANSACTION, path)
    assert proc.stdout.readline().strip() == "inserted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)
    con = duckdb.connect(path)
    assert con.execute("SELECT count(*), max(i) FROM items").fetchone() == (10, 9)
    con.close()


FULL_DISK = """
import resource, signal, sys
import numpy as np
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
kind, path = sys.argv[1], sys.argv[2]
try:
    if kind == "lance":
        from vtr.warehouse.vectors import VectorStore
        store = VectorStore(path)
        store.append("t", "d", [f"big{i}" for i in range(4000)], np.ones((4000, 64), np.float32))
    else:
        import duckdb
        con = duckdb.connect(path)
        con.execute("INSERT INTO items SELECT range FROM range(5000000)")
        con.close()
except Exception as err:
    print("failed:", type(err).__name__, str(err)[:200], flush=True)
    sys.exit(0)
print("written", flush=True)
"""


def test_full_disk_during_a_lance_append_keeps_the_earlier_rows(tmp_path):
    store = VectorStore(tmp_path / "lance")
    store.append(TABLE, "d", ["a", "b"], np.ones((2, 64), np.float32))
    proc = _python(FULL_DISK, "lance", str(tmp_path / "lance"))
    out, err = proc.communicate(timeout=TIMEOUT)
    assert out.startswith("failed:"), (out, err)
    assert store.count(TABLE) == 2 and store.existing_ids(TABLE, "d") == {"a", "b"}
    store.append(TABLE, "d", ["c"], np.ones((1, 64), np.float32))  # and it still takes writes
    assert store.count(TABLE) == 3


def test_full_disk_during_a_duckdb_insert_keeps_the_earlier_rows(tmp_path):
    path = str(tmp_path / "catalog.duckdb")
    con = duckdb.connect(path)
    con.execute("CREATE TABLE items (i BIGINT)")
    con.execute("INSERT INTO items SELECT range FROM range(10)")
    con.close()
    proc = _python(FULL_DISK, "duckdb", path)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert out.startswith("failed:"), (out, err)
    con = duckdb.connect(path)
    assert con.execute("SELECT count(*) FROM items").fetchone() == (10,)
    con.close()
