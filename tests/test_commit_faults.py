"""Exactly-once ingest under crashes: a death between the Lance and the catalog commit,
and `vtr ingest` SIGKILLed at seeded random points, each followed by a run to completion.

After every completed run each variant table must hold exactly one row per item of
each dataset (no duplicate, no gap) and the catalog's done marks must name exactly
those items.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from cli_forker import CliForker

from vtr.ingest.datasets import register_dataset
from vtr.warehouse import init_warehouse, open_warehouse
from vtr.warehouse.variants import Variant, list_variants

pytestmark = pytest.mark.faults
TINY = "open_clip:vtr-tiny-vit:random"
COMMIT_EVERY = 2


@pytest.fixture(scope="module")
def forker():
    with CliForker() as warm:
        yield warm


def _ingest_argv(root: Path, dataset: str, text: bool = True) -> list[str]:
    return [
        "ingest", str(root), "--dataset", dataset, "--video-backbone", TINY,
        *(["--text-backbone", TINY] if text else []), "--frames", "2", "--batch-size", "2",
        "--workers", "0", "--layers", "-1", "--poolings", "first,mean", "--device", "cpu",
        "--commit-every", str(COMMIT_EVERY),
    ]  # fmt: skip


def _warehouse(root: Path, corpus: Path, datasets: list[str]) -> None:
    with init_warehouse(root) as wh:
        for name in datasets:
            register_dataset(wh, name, corpus, corpus.parent / "videos")


def _state(root: Path, dataset: str) -> dict[str, tuple[set[str], list[str], set[str]]]:
    """Per variant: (done marks, item ids of the table's rows, expected item ids)."""
    with open_warehouse(root, read_only=True) as wh:
        videos = {r["video_id"] for r in wh.rows("ingest/videos", {"dataset": dataset})}
        captions = {r["caption_id"] for r in wh.rows("ingest/captions", {"dataset": dataset})}
        state = {}
        for variant in list_variants(wh):
            marks = wh.con.execute(
                "SELECT item_id FROM ingest_done WHERE dataset = ? AND variant_id = ?",
                [dataset, variant["variant_id"]],
            ).fetchall()
            table = variant["lance_table"]
            rows = wh.vectors.read(table, dataset)[0] if wh.vectors.has_table(table) else []
            expected = videos if variant["modality"] == "video" else captions
            state[variant["variant_id"]] = ({m[0] for m in marks}, rows, expected)
    return state


def _assert_exact(root: Path, dataset: str, n_variants: int = 6) -> None:
    state = _state(root, dataset)
    assert len(state) == n_variants, sorted(state)  # 3 layer/pooling taps per modality
    for variant_id, (marks, rows, expected) in state.items():
        duplicates = [item for item, n in Counter(rows).items() if n > 1]
        assert not duplicates, (dataset, variant_id, duplicates[:5])
        assert set(rows) == expected, (dataset, variant_id, sorted(expected ^ set(rows))[:5])
        assert marks == expected, (dataset, variant_id, sorted(expected ^ marks)[:5])


def _phase(root: Path, dataset: str) -> str:
    """Where a killed run stopped, as the warehouse shows it."""
    state = _state(root, dataset).values()
    if any(set(rows) - marks for marks, rows, _ in state):
        return "between the Lance and the catalog commit"
    if not any(marks for marks, _, _ in state):
        return "before the first commit"
    if all(marks == expected for marks, _, expected in state):
        return "after the last commit"
    return "between commits"


def test_death_between_lance_and_catalog_commit_is_reconciled(tmp_path, small_corpus, forker):
    root = tmp_path / "wh"
    _warehouse(root, small_corpus, ["synth"])
    log = str(tmp_path / "stderr.log")
    died = forker.run(_ingest_argv(root, "synth"), crash_before_marks=3, log=log, timeout=90)
    assert died.exit_code == 17, Path(log).read_text()[-2000:]
    state = _state(root, "synth")
    unmarked = {v: set(rows) - marks for v, (marks, rows, _) in state.items()}
    video = [v for v in state if v.startswith("video/")]
    # commit 3 appended batch 3 (2 videos) to every video table, then died before its marks
    assert all(len(unmarked[v]) == COMMIT_EVERY for v in video), unmarked
    assert all(len(state[v][0]) == 2 * COMMIT_EVERY for v in video)

    resumed = forker.run(_ingest_argv(root, "synth"), log=log, timeout=90)
    assert resumed.exit_code == 0, Path(log).read_text()[-2000:]
    _assert_exact(root, "synth")


def _versions(root: Path, table: str) -> int:
    folder = root / "lance" / f"{table}.lance" / "_versions"
    return len(list(folder.glob("*.manifest"))) if folder.is_dir() else 0


def test_sigkill_campaign_leaves_exact_rows_after_each_rerun(tmp_path, small_corpus, forker):
    """Ten `vtr ingest` runs SIGKILLed at seeded points, each followed by a full rerun.

    Each run ingests a fresh dataset into the same variant tables. Kill points: three
    during start-up (first half second), two anywhere in a run's duration, five right
    after the k-th commit of a video table shows up on disk (k random, plus jitter), so
    kills land inside the later commits, between tables, and between Lance and catalog.
    """
    root = tmp_path / "wh"
    datasets = [f"synth{i}" for i in range(11)]
    _warehouse(root, small_corpus, datasets)
    log = str(tmp_path / "stderr.log")
    first = forker.run(_ingest_argv(root, datasets[0], text=False), log=log, timeout=90)
    assert first.exit_code == 0, Path(log).read_text()[-2000:]
    _assert_exact(root, datasets[0], n_variants=3)
    table = Variant("video", TINY, temporal="mean", frames=2).lance_table
    rng = np.random.default_rng(20261201)
    kinds = ["start-up"] * 3 + ["anywhere"] * 2 + ["after commit"] * 5
    phases, runs = [], [first]
    for kind, dataset in zip(rng.permutation(kinds), datasets[1:], strict=True):
        if kind == "after commit":
            target = _versions(root, table) + int(rng.integers(1, 8))
            jitter = float(rng.uniform(0, 0.05))
            seen: list[float] = []

            def kill_when(elapsed, target=target, jitter=jitter, seen=seen):
                if not seen and _versions(root, table) >= target:
                    seen.append(elapsed)
                return bool(seen) and elapsed >= seen[0] + jitter
        else:
            limit = 0.5 if kind == "start-up" else first.seconds
            delay = float(rng.uniform(0, limit))

            def kill_when(elapsed, delay=delay):
                return elapsed >= delay

        argv = _ingest_argv(root, dataset, text=False)
        killed = forker.run(argv, kill_when=kill_when, log=log, timeout=90)
        runs.append(killed)
        assert killed.killed or killed.exit_code == 0, Path(log).read_text()[-2000:]
        phases.append(_phase(root, dataset))
        rerun = forker.run(argv, log=log, timeout=90)
        runs.append(rerun)
        assert rerun.exit_code == 0, Path(log).read_text()[-2000:]
        for done in datasets[: len(phases) + 1]:  # reconciling one dataset spares the others
            _assert_exact(root, done, n_variants=3)
    wall, cpu = sum(r.seconds for r in runs), sum(r.cpu_seconds for r in runs)
    print(f"kill points: {dict(Counter(phases))}; {len(runs)} runs: {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU")  # fmt: skip
    assert "before the first commit" in phases and "between commits" in phases, phases
