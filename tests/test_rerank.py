"""Re-ranking (dual softmax, QB-Norm): chunked search vs a full-matrix numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import TEXT, VIDEO, reference_ranks

from vtr.errors import EvalInputError
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import get_eval, list_evals, retrieval_metrics, run_eval
from vtr.warehouse.rerank import Rerank
from vtr.warehouse.search import search, search_similarity


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _inverted(s: np.ndarray, bank_sim: np.ndarray, beta: float) -> np.ndarray:
    """Dynamic inverted softmax of query rows `s` (queries x gallery), bank (bank x gallery)."""
    norm = np.exp(beta * bank_sim).sum(axis=0)
    active = np.zeros(s.shape[1], dtype=bool)
    active[bank_sim.argmax(axis=1)] = True
    out = s.copy()
    rows = active[s.argmax(axis=1)]
    out[rows] = np.log(np.exp(beta * s[rows]) / norm)
    return out


@pytest.fixture
def corpus():
    rng = np.random.default_rng(7)
    videos = rng.normal(size=(30, 16))
    gt = rng.permutation(np.repeat(np.arange(30), 3))
    texts = videos[gt] + 1.5 * rng.normal(size=(90, 16))
    bank_videos = rng.normal(size=(20, 16))
    bank_videos[0] = videos[0]
    bank_texts = np.concatenate([bank_videos, bank_videos]) + 1.5 * rng.normal(size=(40, 16))
    return texts, videos, gt, bank_texts, bank_videos


def _assert_same(got, t2v_sim: np.ndarray, v2t_sim: np.ndarray, gt: np.ndarray) -> None:
    t2v = search_similarity(t2v_sim, gt, k=5)
    v2t = search_similarity(v2t_sim, gt, k=5)
    np.testing.assert_array_equal(got.t2v_rank, t2v.t2v_rank)
    np.testing.assert_array_equal(got.t2v_topk, t2v.t2v_topk)
    np.testing.assert_allclose(got.t2v_topk_score, t2v.t2v_topk_score, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got.v2t_rank, v2t.v2t_rank)
    np.testing.assert_array_equal(got.v2t_rel_rank, v2t.v2t_rel_rank)
    np.testing.assert_array_equal(got.v2t_topk, v2t.v2t_topk)


@pytest.mark.parametrize("chunk", [7, 1024])
def test_dual_softmax_matches_full_matrix(corpus, chunk):
    texts, videos, gt, _, _ = corpus
    s = _unit(texts) @ _unit(videos).T
    method = Rerank("dual-softmax", temperature=0.05)
    got = search(texts, videos, gt, k=5, chunk=chunk, rerank=method)
    t2v_sim = s * _softmax(s / 0.05, axis=0)  # prior over the test texts of each video
    v2t_sim = s * _softmax(s / 0.05, axis=1)  # prior over the test videos of each text
    _assert_same(got, t2v_sim, v2t_sim, gt)
    assert method.uses_test_statistics


@pytest.mark.parametrize("chunk", [7, 1024])
def test_qb_norm_matches_full_matrix(corpus, chunk):
    texts, videos, gt, bank_texts, bank_videos = corpus
    t, v = _unit(texts), _unit(videos)
    s = t @ v.T
    method = Rerank("qb-norm", beta=10.0, bank_texts=bank_texts, bank_videos=bank_videos)
    got = search(texts, videos, gt, k=5, chunk=chunk, rerank=method)
    t2v_sim = _inverted(s, _unit(bank_texts) @ v.T, 10.0)
    v2t_sim = _inverted(s.T, _unit(bank_videos) @ t.T, 10.0).T
    _assert_same(got, t2v_sim, v2t_sim, gt)
    assert not method.uses_test_statistics


def _angles(*degrees: float) -> np.ndarray:
    rad = np.radians(degrees)
    return np.stack([np.cos(rad), np.sin(rad)], axis=1)


def test_dual_softmax_takes_back_a_stolen_match_and_none_changes_nothing():
    # video A at 0 deg, B at 30 deg; A's caption at 20 deg is closer to B (plain R@1 50%),
    # but B's own caption at 35 deg is closer still, so the prior over texts hands it back
    texts, videos, gt = _angles(20, 35), _angles(0, 30), np.array([0, 1])
    plain = search(texts, videos, gt)
    none = search(texts, videos, gt, rerank=Rerank("none"))
    dual = search(texts, videos, gt, rerank=Rerank("dual-softmax"))
    np.testing.assert_array_equal(plain.t2v_rank, none.t2v_rank)
    assert plain.t2v_rank.tolist() == [2, 1]
    assert dual.t2v_rank.tolist() == [1, 1]


def test_bad_rerank_arguments():
    with pytest.raises(EvalInputError, match="unknown re-ranking 'softmax'"):
        Rerank("softmax")
    with pytest.raises(EvalInputError, match="query bank"):
        Rerank("qb-norm")
    with pytest.raises(EvalInputError, match="positive"):
        Rerank("dual-softmax", temperature=0)


def test_run_eval_records_rerank(tiny):
    root, data = tiny
    with open_warehouse(root) as wh:
        plain = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, chunk=4)
        dual = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, chunk=4, rerank="dual-softmax")
        qb = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, chunk=4, rerank="qb-norm", beta=5)
        with pytest.raises(EvalInputError, match="another split"):
            run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, rerank="qb-norm", bank_split="test")
        rows = {row["eval_id"]: row for row in list_evals(wh)}
        got = {e: get_eval(wh, e) for e in (plain, dual, qb)}
        metrics = retrieval_metrics(wh, dual)
    assert [rows[e]["rerank"] for e in (plain, dual, qb)] == ["none", "dual-softmax*", "qb-norm"]
    assert [got[e]["uses_test_statistics"] for e in (plain, dual, qb)] == [False, True, False]
    assert got[dual]["config"]["rerank"] == {"method": "dual-softmax", "temperature": 0.01}
    assert got[qb]["config"]["rerank"]["bank_split"] == "train"
    assert got[qb]["config"]["rerank"]["bank_videos"] == 3
    t, v = _unit(data["texts"]), _unit(data["videos"])
    s = t @ v.T
    want = reference_ranks(s * _softmax(s / 0.01, axis=0), data["gt"])["t2v"][1]
    assert metrics["t2v"]["R@1"] == pytest.approx(100 * np.mean(want == 1))
