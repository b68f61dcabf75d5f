"""The monotonic step aligner against brute force, and the unconstrained baseline."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vtr.models.step_align import Window, align_monotonic, best_windows, to_seconds


def total(sim: np.ndarray, windows: list[tuple[int, int]], drop: float) -> float:
    used = np.zeros(sim.shape[1], dtype=bool)
    score = 0.0
    for step, (a, b) in enumerate(windows):
        score += sim[step, a:b].sum()
        used[a:b] = True
    return score + drop * np.count_nonzero(~used)


def brute_force(sim: np.ndarray, drop: float) -> float:
    n_steps, n_chunks = sim.shape
    best = -np.inf
    # choose 2 * n_steps boundaries a0 < b0 <= a1 < b1 <= ... in [0, n_chunks]
    for cut in itertools.combinations_with_replacement(range(n_chunks + 1), 2 * n_steps):
        pairs = [(cut[2 * i], cut[2 * i + 1]) for i in range(n_steps)]
        if all(a < b for a, b in pairs):
            best = max(best, total(sim, pairs, drop))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_dp_finds_the_best_monotonic_alignment(seed):
    rng = np.random.default_rng(seed)
    n_steps = int(rng.integers(1, 4))
    n_chunks = int(rng.integers(n_steps, 8))
    sim = rng.normal(size=(n_steps, n_chunks))
    drop = float(rng.normal())
    windows = align_monotonic(sim, drop=drop)
    spans = [(w.start, w.end) for w in windows]
    assert all(a < b for a, b in spans)  # every step gets a non-empty run
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))  # in order
    assert total(sim, spans, drop) == pytest.approx(brute_force(sim, drop))
    assert [w.score for w in windows] == pytest.approx(
        [sim[i, a:b].mean() for i, (a, b) in enumerate(spans)]
    )


def test_dp_keeps_order_where_the_baseline_does_not():
    # step 1 looks most like chunk 0-1, but it must come after step 0 (chunks 2-3)
    sim = np.array(
        [
            [0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1],
            [0.95, 0.95, 0.1, 0.1, 0.1, 0.8, 0.8],
        ]
    )
    dp = align_monotonic(sim, drop=0.5)
    assert [(w.start, w.end) for w in dp] == [(2, 4), (5, 7)]
    top1 = [windows[0] for windows in best_windows(sim, drop=0.5)]
    assert [(w.start, w.end) for w in top1] == [(2, 4), (0, 2)]


def test_baseline_suppresses_overlapping_windows():
    sim = np.array([[0.0, 1.0, 1.0, 0.0, 0.0, 0.9, 0.0, 0.0]])
    (windows,) = best_windows(sim, drop=0.5, top=3, nms_iou=0.3)
    assert (windows[0].start, windows[0].end) == (1, 3)
    assert (windows[1].start, windows[1].end) == (5, 6)
    for w, v in itertools.combinations(windows, 2):
        inter = max(0, min(w.end, v.end) - max(w.start, v.start))
        assert inter / (max(w.end, v.end) - min(w.start, v.start)) <= 0.3


def test_bad_inputs_and_seconds():
    with pytest.raises(ValueError, match="cannot each get a chunk"):
        align_monotonic(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        align_monotonic(np.array([[np.nan, 0.0]]))
    assert to_seconds(Window(2, 5, 0.7), 2.0, duration=9.0) == [4.0, 9.0, 0.7]
