"""R@50 (reported by several MSR-VTT papers beside R@1/5/10, MdR, MnR): one column of
sql/schema/021_metrics.sql, checked against numpy and seen by every surface."""

from __future__ import annotations

import numpy as np
import pytest
from test_metrics_definition import surfaces
from tiny import reference_ranks

from vtr.warehouse.evals import metrics_for_similarity
from vtr.warehouse.metric_defs import metric, metric_names


def _numpy_r50(sim: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    return {d: 100 * np.mean(r <= 50) for d, (_, r, _) in reference_ranks(sim, gt).items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_r50_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 4, size=150)  # 150 videos: ranks spread well past 50
    gt = rng.permutation(np.repeat(np.arange(150), counts))
    sim = rng.normal(size=(len(gt), 150))
    sim[np.arange(len(gt)), gt] += 1.0
    got = metrics_for_similarity(sim, gt)
    want = _numpy_r50(sim, gt)
    assert 5 < want["t2v"] < 95 and 5 < want["v2t"] < 95  # neither trivially 0 nor 100
    for direction in ("t2v", "v2t"):
        assert got[direction]["R@50"] == pytest.approx(want[direction], abs=1e-9)
        assert got[direction]["R@10"] <= got[direction]["R@50"]


def test_r50_by_hand():
    # 60 single-caption videos; text i ranks its video (i // 10) * 10 + 1: ranks 1, 11, ..., 51
    n = 60
    sim = np.zeros((n, n))
    for i in range(n):
        rank = (i // 10) * 10 + 1
        others = [j for j in range(n) if j != i][: rank - 1]
        sim[i, others] = 1.0
        sim[i, i] = 0.5
    got = metrics_for_similarity(sim)["t2v"]
    assert got["R@50"] == pytest.approx(100 * 50 / 60)  # ranks 1..41 in, 51 out


def test_r50_is_a_defined_metric_that_every_surface_shows(tiny):
    assert metric("R@50").unit == "percent" and metric("R@50").higher_is_better
    assert metric_names().index("R@50") == metric_names().index("R@10") + 1
    root, _ = tiny
    shown = surfaces(root)
    for surface in (
        "vtr eval --json",
        "vtr evals --json",
        "leaderboard",
        "report overall table",
        "comparison report",
        "training monitor",
        "vtr intervals --json",
        "vtr compare --json",
    ):
        assert "R@50" in shown[surface], surface
