"""SIGKILL `vtr ingest --engine ray` drivers at seeded random points; every rerun is exact.

One 2-CPU Ray cluster (its own head process) serves every driver. Each round starts an
ingest of a fresh dataset, kills the driver with SIGKILL at a random point (after a
random number of Lance commits, plus a random delay), checks that every done mark of
the catalog has its Lance row, then reruns the same command to completion: the tables
must then hold exactly the reference rows (same ids and vectors, no duplicates, no
gaps) and the catalog's done marks must be exactly those rows.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ingest_checks import by_id, done_marks, variant_rows

from vtr.ingest.datasets import register_dataset
from vtr.warehouse import init_warehouse

pytestmark = [pytest.mark.faults, pytest.mark.slow]
BACKBONE = "open_clip:vtr-tiny-vit:random"
KILLS = 10
SEED = 7
TIMEOUT = 300  # one driver run, from start to exit


def _command(root: Path, dataset: str, address: str) -> list[str]:
    code = "import sys; from vtr.cli import main; sys.argv[0] = 'vtr'; main()"
    return [
        sys.executable, "-c", code, "ingest", str(root), "--dataset", dataset,
        "--video-backbone", BACKBONE, "--frames", "2", "--temporal", "mean,max",
        "--batch-size", "2", "--commit-every", "2",
        "--engine", "ray", "--address", address, "--workers", "1",
    ]  # fmt: skip


def _run(command: list[str], log: Path) -> None:
    with log.open("w") as err:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=err, timeout=TIMEOUT)
    assert done.returncode == 0, log.read_text()[-3000:]


def _lance_commits(root: Path) -> int:
    return sum(1 for _ in (root / "lance").glob("*.lance/_versions/*.manifest"))


def _kill_at_a_random_point(command, log: Path, root: Path, rng, commits: int) -> bool:
    """Start the driver, SIGKILL it after a random number of commits; True if it was running."""
    target = _lance_commits(root) + rng.randrange(commits + 1)
    with log.open("w") as err:
        driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + TIMEOUT
        while driver.poll() is None and _lance_commits(root) < target:
            assert time.monotonic() < deadline, "the driver made no progress"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        running = driver.poll() is None
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=60)
    return running


def _assert_exact(root: Path, dataset: str, expected) -> None:
    got = variant_rows(root, dataset)
    assert sorted(got) == sorted(expected), dataset
    for variant_id, (want_ids, want) in expected.items():
        ids, vectors = by_id(*got[variant_id])
        assert ids == want_ids, (dataset, variant_id)  # no duplicates, no gaps
        np.testing.assert_allclose(vectors, want, rtol=1e-6, atol=1e-6)
    assert done_marks(root, dataset) == {v: set(ids) for v, (ids, _) in got.items()}


def test_sigkilled_ray_ingests_rerun_to_exactly_the_expected_rows(
    tmp_path, small_corpus, ray_cluster
):
    root = tmp_path / "wh"
    names = ["reference"] + [f"killed{i}" for i in range(KILLS)]
    with init_warehouse(root) as wh:
        for name in names:
            register_dataset(wh, name, small_corpus, small_corpus.parent / "videos")
    before = _lance_commits(root)
    _run(_command(root, "reference", ray_cluster), tmp_path / "reference.log")
    commits = _lance_commits(root) - before
    expected = {v: by_id(*rows) for v, rows in variant_rows(root, "reference").items()}
    assert len(expected) == 2 and all(len(ids) == 16 for ids, _ in expected.values())

    rng = random.Random(SEED)
    killed_mid_run = 0
    for name in names[1:]:
        command = _command(root, name, ray_cluster)
        killed_mid_run += _kill_at_a_random_point(
            command, tmp_path / f"{name}.killed.log", root, rng, commits
        )
        for variant_id, items in done_marks(root, name).items():
            stored = set(variant_rows(root, name).get(variant_id, ([], None))[0])
            assert items <= stored, f"{name}: done marks without rows in {variant_id}"
        _run(command, tmp_path / f"{name}.rerun.log")
        _assert_exact(root, name, expected)
    assert killed_mid_run >= KILLS // 2, f"only {killed_mid_run} kills hit a running ingest"
    for name in names:  # later rounds left earlier datasets alone
        _assert_exact(root, name, expected)
