"""Commands side by side on one warehouse: readers, an eval and a second ingest run
while a real `vtr ingest` process goes on, and all of them succeed.

The ingest holds the catalog only to commit (every 2 videos here), so the others get
in between; each open that meets it held waits (`--wait`). To make "while it runs"
hold on a machine of any speed, the test freezes the ingest (SIGSTOP) at a moment when
it holds no lock on the catalog, i.e. between two commits, runs the other commands,
and lets it go on (SIGCONT) once they are done. Afterwards every variant of
the ingest holds each item exactly once, and its done marks name exactly those items.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from ingest_checks import done_marks, variant_rows

from vtr.ingest.datasets import register_dataset
from vtr.ingest.synthetic import generate_retrieval_corpus
from vtr.warehouse import init_warehouse, open_warehouse

pytestmark = pytest.mark.faults
TINY = "open_clip:vtr-tiny-vit:random"
ROOT = Path(__file__).resolve().parents[1]
VTR = [sys.executable, "-c", "from vtr.cli import main; main()", "--wait", "120"]
TEXT = f"text/{TINY}/final/embed"
VIDEO = f"video/{TINY}/final/embed/mean/2f"


def _ingest_argv(root: Path, dataset: str, *extra: str) -> list[str]:
    return [
        *VTR, "ingest", str(root), "--dataset", dataset, "--video-backbone", TINY,
        "--frames", "2", "--batch-size", "2", "--workers", "0", "--device", "cpu",
        "--commit-every", "2", *extra,
    ]  # fmt: skip


def _start(argv: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("w"), text=True)


def _assert_exact(root: Path, dataset: str, variants: list[str], expected: set[str]) -> None:
    rows, marks = variant_rows(root, dataset), done_marks(root, dataset)
    for variant_id in variants:
        ids = rows[variant_id][0]
        duplicates = [item for item, n in Counter(ids).items() if n > 1]
        assert not duplicates, (variant_id, duplicates[:5])
        assert set(ids) == expected, (variant_id, sorted(expected ^ set(ids))[:5])
        assert marks[variant_id] == expected, (variant_id, sorted(expected ^ marks[variant_id]))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A warehouse with dataset `early` (6 videos) ingested and evaluated, and dataset
    `big` (16 videos) registered, not ingested."""
    from vtr.ingest.pipeline import ingest
    from vtr.warehouse.evals import run_eval

    base = tmp_path_factory.mktemp("side by side")
    early = generate_retrieval_corpus(base / "early", n_videos=6, seed=11, frames=8)
    big = generate_retrieval_corpus(base / "big", n_videos=16, seed=12, frames=8)
    root = base / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "early", early, early.parent / "videos")
        register_dataset(wh, "big", big, big.parent / "videos")
        ingest(wh, "early", [TINY], [TINY], frames=2, workers=0, show_progress=False)
        run_eval(wh, "early", "test", TEXT, VIDEO)
    return root


def _freeze_between_commits(proc: subprocess.Popen, catalog: Path) -> None:
    """SIGSTOP `proc` at a moment when it holds no lock on `catalog` (between commits)."""
    from vtr.warehouse.lock_holder import holder_lock_mode

    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "the ingest ended before it could be frozen"
        assert time.monotonic() < deadline, "the ingest never let go of the catalog"
        proc.send_signal(signal.SIGSTOP)
        time.sleep(0.05)  # let a stop that lands mid-syscall settle
        if holder_lock_mode(proc.pid, catalog) is None:
            return
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.01)


def _catalog_rows(root: Path, dataset: str) -> int:
    with open_warehouse(root, read_only=True, wait=120) as wh:
        return wh.con.execute(
            "SELECT count(*) FROM ingest_done WHERE dataset = ?", [dataset]
        ).fetchone()[0]


def test_commands_succeed_while_two_ingests_run(warehouse, tmp_path):
    """Two `vtr ingest` of different variants started together (dataset `big`, and new
    layer-1 variants of `early`), and meanwhile evals, variants, runs, a report, the
    shell and an eval of `early`'s earlier variants: all exit 0, the rows are exact."""
    root = warehouse
    ingest = _start(_ingest_argv(root, "big"), tmp_path / "ingest.log")
    other = _start(
        _ingest_argv(root, "early", "--layers", "1", "--poolings", "mean"), tmp_path / "b.log"
    )
    try:
        deadline = time.monotonic() + 120
        while _catalog_rows(root, "big") == 0:  # its first commit landed
            assert ingest.poll() is None, (tmp_path / "ingest.log").read_text()
            assert time.monotonic() < deadline, "no commit within 120 s"
            time.sleep(0.2)
        commands = {
            "evals": ["evals", str(root)],
            "variants": ["variants", str(root)],
            "runs": ["runs", str(root)],
            "report": ["report", str(root), "--eval", "1", "--out", str(tmp_path / "r")],
            "shell": ["shell", str(root), "-c", "SELECT count(*) AS n FROM captions"],
            "eval": [
                "eval", str(root), "--dataset", "early", "--text-variant", TEXT,
                "--video-variant", VIDEO, "--split", "test",
            ],
        }  # fmt: skip
        _freeze_between_commits(ingest, root / "catalog.duckdb")
        try:
            started = {
                name: _start([*VTR, *argv], tmp_path / f"{name}.log")
                for name, argv in commands.items()
            }
            outputs = {name: proc.communicate(timeout=300)[0] for name, proc in started.items()}
            middle = _catalog_rows(root, "big")  # every command is done mid-ingest
        finally:
            ingest.send_signal(signal.SIGCONT)
        for name, proc in started.items():
            assert proc.returncode == 0, (name, (tmp_path / f"{name}.log").read_text())
        assert any(char.isdigit() for char in outputs["shell"]), outputs["shell"]
        assert Path(outputs["report"].strip()).is_file()
        assert ingest.wait(timeout=300) == 0, (tmp_path / "ingest.log").read_text()
        assert other.wait(timeout=300) == 0, (tmp_path / "b.log").read_text()
    finally:
        for proc in (ingest, other):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with open_warehouse(root, read_only=True) as wh:
        big = {r["video_id"] for r in wh.rows("ingest/videos", {"dataset": "big"})}
        early = {r["video_id"] for r in wh.rows("ingest/videos", {"dataset": "early"})}
        evals = wh.con.execute("SELECT count(*) FROM evals").fetchone()[0]
        statuses = [r[0] for r in wh.con.execute("SELECT status FROM runs").fetchall()]
    assert 0 < middle <= len(big)  # the others ran between its commits
    assert evals == 2 and set(statuses) == {"ok"}, statuses
    _assert_exact(root, "big", [VIDEO], big)
    _assert_exact(root, "early", [f"video/{TINY}/L1/mean/mean/2f"], early)
