"""Tied scores: the three `ties` rules against an enumeration of every tie-break, the
documented worked example, and the option end to end (library, catalog, CLI)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from vtr.cli.eval_cmds import register
from vtr.errors import EvalInputError
from vtr.warehouse.evals import get_eval, metrics_for_similarity, store_similarity_eval
from vtr.warehouse.search import PROTOCOLS, TIES, search_similarity

# The README's worked example: text 0 describes video 0, which ties with video 1.
EXAMPLE = np.array([[0.5, 0.5], [0.2, 0.8]])


def _enumerated(sim: np.ndarray, gt: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per direction, the ranks under every strict order that breaks the ties of `sim`.

    Returns {"t2v": (orders, n_texts), "v2t": (orders, n_queries), "rel": per query
    video the sorted ranks of its own captions, (orders, n_own)} for each tie-break
    permutation, so max / min / mean over axis 0 are the worst, best and expected ranks.
    """
    n_t, n_v = sim.shape
    queries = np.unique(gt)
    t2v = []
    for perm in itertools.permutations(range(n_v)):  # video j ahead of i when tied: perm
        key = np.array(perm)
        ahead = (sim > sim[np.arange(n_t), gt][:, None]) | (
            (sim == sim[np.arange(n_t), gt][:, None]) & (key[None, :] < key[gt][:, None])
        )
        t2v.append(1 + ahead.sum(axis=1))
    sets = np.array([[sim[gt == u, q].max() for u in queries] for q in queries])  # (q, set)
    v2t = []
    for perm in itertools.permutations(range(len(queries))):
        key = np.array(perm)
        own = np.diag(sets)
        ahead = (sets > own[:, None]) | ((sets == own[:, None]) & (key[None, :] < key[:, None]))
        v2t.append(1 + ahead.sum(axis=1))
    rel: dict[int, list[np.ndarray]] = {int(q): [] for q in queries}
    for perm in itertools.permutations(range(n_t)):
        key = np.array(perm)
        for q in queries:
            s = sim[:, q]
            order = np.lexsort((key, -s))  # score descending, ties by the permutation
            position = np.empty(n_t, dtype=np.int64)
            position[order] = np.arange(1, n_t + 1)
            rel[int(q)].append(np.sort(position[gt == q]))
    return {
        "t2v": np.array(t2v),
        "v2t": np.array(v2t),
        "rel": {q: np.array(r) for q, r in rel.items()},
    }


def _own_sorted(res, video: int) -> np.ndarray:
    return np.sort(res.v2t_rel_rank[res.v2t_rel_video == video])


@pytest.mark.parametrize("seed", range(6))
def test_ties_rules_are_worst_best_and_expected_tie_break(seed):
    rng = np.random.default_rng(seed)
    gt = rng.permutation(np.array([0, 0, 0, 1, 2, 2, 3])[: 5 + seed % 3])
    n_v = 4
    sim = rng.integers(0, 3, size=(len(gt), n_v)) / 2.0  # scores in {0, 0.5, 1}: many ties
    every = _enumerated(sim, gt)
    pick = {"pessimistic": np.max, "optimistic": np.min, "mean": np.mean}
    for ties, reduce in pick.items():
        res = search_similarity(sim, gt, ties=ties, chunk=2)
        np.testing.assert_allclose(res.t2v_rank, reduce(every["t2v"], axis=0), err_msg=ties)
        np.testing.assert_allclose(res.v2t_rank, reduce(every["v2t"], axis=0), err_msg=ties)
        for video, ranks in every["rel"].items():
            np.testing.assert_allclose(
                _own_sorted(res, video), reduce(ranks, axis=0), err_msg=f"{ties} {video}"
            )


def test_worked_example_ranks_and_metrics():
    want = {"pessimistic": [2, 1], "optimistic": [1, 1], "mean": [1.5, 1]}
    for ties, ranks in want.items():
        res = search_similarity(EXAMPLE, ties=ties)
        np.testing.assert_array_equal(res.t2v_rank, ranks)
        np.testing.assert_array_equal(res.v2t_rank, [1, 1])
    metrics = {ties: metrics_for_similarity(EXAMPLE, ties=ties)["t2v"] for ties in TIES}
    assert [metrics[t]["R@1"] for t in TIES] == [50.0, 100.0, 50.0]
    assert [metrics[t]["MedR"] for t in TIES] == [1.5, 1.0, 1.25]
    assert metrics["mean"]["MRR"] == pytest.approx((1 / 1.5 + 1) / 2)


def _clip4clip_compute_metrics(x: np.ndarray) -> dict[str, float]:
    """CLIP4Clip's metrics.compute_metrics (T2V, square matrix), transcribed."""
    sx = np.sort(-x, axis=1)
    d = np.diag(-x)[:, np.newaxis]
    ind = np.where(sx - d == 0)[1]  # one entry per tied position: more entries than queries
    return {"R1": float(np.sum(ind == 0)) * 100 / len(ind), "MR": np.median(ind) + 1}


def test_clip4clip_counts_each_tied_position_on_the_worked_example():
    theirs = _clip4clip_compute_metrics(EXAMPLE)
    assert theirs["R1"] == pytest.approx(200 / 3)  # 66.67: 3 positions over 2 queries
    ours = {t: metrics_for_similarity(EXAMPLE, ties=t)["t2v"]["R@1"] for t in TIES}
    assert theirs["R1"] not in ours.values()  # no ties rule of vtr reproduces it


def test_all_equal_vectors_score_worst_case_pessimistic_and_chance_under_mean():
    n = 5
    sim = np.zeros((n, n))
    worst = metrics_for_similarity(sim)
    assert worst["t2v"]["R@1"] == 0 and worst["t2v"]["MedR"] == n
    assert worst["v2t"]["MedR"] == n
    chance = metrics_for_similarity(sim, ties="mean")
    for direction in ("t2v", "v2t"):
        assert chance[direction]["MedR"] == chance[direction]["MeanR"] == (n + 1) / 2
    assert metrics_for_similarity(sim, ties="optimistic")["t2v"]["R@1"] == 100


def test_ties_and_protocol_are_validated_and_stored(wh):
    with pytest.raises(EvalInputError, match="unknown ties rule 'random'.*pessimistic"):
        search_similarity(EXAMPLE, ties="random")
    with pytest.raises(EvalInputError, match="unknown protocol 'c4c'.*clip4clip"):
        metrics_for_similarity(EXAMPLE, protocol="c4c")
    eval_id = store_similarity_eval(wh, EXAMPLE, ties="mean", protocol="clip4clip")
    row = wh.con.execute("SELECT ties, protocol FROM evals WHERE eval_id = ?", [eval_id]).fetchone()
    assert row == ("mean", "clip4clip")
    assert get_eval(wh, eval_id)["search"] == "exact"
    stored = wh.con.execute(
        "SELECT rank FROM ranks WHERE eval_id = ? AND direction = 't2v' ORDER BY query_id",
        [eval_id],
    ).fetchall()
    assert [r[0] for r in stored] == [1.5, 1.0]  # fractional ranks survive the catalog


def test_cli_ties_and_protocol(tmp_path):
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    np.save(tmp_path / "sim.npy", EXAMPLE)
    base = ["metrics", "retrieval", str(tmp_path / "sim.npy"), "--json"]
    got = {t: json.loads(runner.invoke(app, [*base, "--ties", t]).stdout) for t in TIES}
    assert [got[t]["t2v"]["R@1"] for t in TIES] == [50.0, 100.0, 50.0]
    for protocol in PROTOCOLS:
        assert runner.invoke(app, [*base, "--protocol", protocol]).exit_code == 0
    bad = runner.invoke(app, [*base, "--ties", "coin"])
    assert bad.exit_code == 1 and "unknown ties rule 'coin'" in bad.stderr
    for command in (["metrics", "retrieval"], ["eval"]):  # help generated from TIES, PROTOCOLS
        output = runner.invoke(app, [*command, "--help"]).output
        help_text = " ".join(output.replace("│", " ").split())
        assert all(f"{name}: {meaning}" in help_text for name, meaning in TIES.items())
        assert all(f"{name}: {meaning}" in help_text for name, meaning in PROTOCOLS.items())
