"""Exact chunked search: chunking never changes a result; neighbours, ranks, errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from vtr.errors import EvalInputError
from vtr.warehouse.search import SearchResult, search, search_similarity


def _multi_caption(seed: int, n_videos: int = 23, dim: int = 16, empty: int = 2):
    """Captions for all but `empty` videos (1-4 each), in shuffled order."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 5, size=n_videos)
    counts[rng.choice(n_videos, size=empty, replace=False)] = 0
    gt = rng.permutation(np.repeat(np.arange(n_videos), counts))
    videos = rng.normal(size=(n_videos, dim)).astype(np.float32)
    texts = (videos[gt] + 1.5 * rng.normal(size=(len(gt), dim))).astype(np.float32)
    return texts, videos, gt


def _cosine(texts: np.ndarray, videos: np.ndarray) -> np.ndarray:
    t = texts / np.linalg.norm(texts, axis=1, keepdims=True)
    v = videos / np.linalg.norm(videos, axis=1, keepdims=True)
    return t @ v.T


def _assert_same(a: SearchResult, b: SearchResult) -> None:
    for field in dataclasses.fields(SearchResult):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-5, err_msg=field.name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=field.name)


@pytest.mark.parametrize("chunk", [1, 2, 7, 19, 64, 10_000])
def test_chunked_equals_unchunked(chunk):
    texts, videos, gt = _multi_caption(seed=1)
    whole = search(texts, videos, gt, k=5, chunk=max(len(texts), len(videos)))
    _assert_same(search(texts, videos, gt, k=5, chunk=chunk), whole)


@pytest.mark.parametrize("chunk", [1, 5, 1000])
def test_similarity_search_chunked_equals_unchunked(chunk):
    rng = np.random.default_rng(2)
    sim = rng.normal(size=(40, 13))
    gt = rng.integers(0, 13, size=40)
    _assert_same(search_similarity(sim, gt, chunk=chunk), search_similarity(sim, gt, chunk=1000))


def test_ranks_match_full_matrix():
    texts, videos, gt = _multi_caption(seed=3)
    s = _cosine(texts.astype(np.float64), videos.astype(np.float64))
    res = search(texts, videos, gt, k=3, chunk=4)
    own = s[np.arange(len(gt)), gt]
    np.testing.assert_array_equal(res.t2v_rank, (s >= own[:, None]).sum(1))
    np.testing.assert_allclose(res.t2v_gt_score, own, atol=1e-5)
    queries = np.unique(gt)
    np.testing.assert_array_equal(res.v2t_query, queries)
    for q, video in enumerate(queries):
        sets = np.array([s[gt == u, video].max() for u in queries])
        mine = s[gt == video, video].max()
        assert res.v2t_rank[q] == 1 + (sets > mine).sum()
        assert res.v2t_gt_score[q] == pytest.approx(mine, abs=1e-5)
    for caption, video, rank in zip(
        res.v2t_rel_caption, res.v2t_rel_video, res.v2t_rel_rank, strict=True
    ):
        assert gt[caption] == video
        assert rank == 1 + (s[:, video] > s[caption, video]).sum()
    assert sorted(res.v2t_rel_caption.tolist()) == list(range(len(gt)))


def test_videos_without_captions_are_candidates_for_t2v_only():
    texts, videos, gt = _multi_caption(seed=4, empty=3)
    res = search(texts, videos, gt, k=100)
    missing = set(range(len(videos))) - set(gt.tolist())
    assert len(missing) == 3
    assert not missing & set(res.v2t_query.tolist())
    assert len(res.v2t_rank) == len(videos) - 3
    assert res.t2v_topk.shape == (len(texts), len(videos))  # every video is a t2v candidate


def test_neighbours_are_the_top_k_in_order():
    texts, videos, gt = _multi_caption(seed=5)
    s = _cosine(texts.astype(np.float64), videos.astype(np.float64))
    res = search(texts, videos, gt, k=4, chunk=3)
    np.testing.assert_array_equal(res.t2v_topk, np.argsort(-s, axis=1, kind="stable")[:, :4])
    np.testing.assert_allclose(res.t2v_topk_score, np.sort(s, axis=1)[:, ::-1][:, :4], atol=1e-5)
    by_video = np.argsort(-s.T, axis=1, kind="stable")[res.v2t_query, :4]
    np.testing.assert_array_equal(res.v2t_topk, by_video)
    assert np.all(np.diff(res.v2t_topk_score, axis=1) <= 0)


def test_k_larger_than_gallery_keeps_all_targets():
    texts, videos, gt = _multi_caption(seed=6, n_videos=4, empty=0)
    res = search(texts, videos, gt, k=50)
    assert res.t2v_topk.shape == (len(texts), 4)
    assert res.v2t_topk.shape == (4, len(texts))
    assert all(sorted(row) == [0, 1, 2, 3] for row in res.t2v_topk.tolist())


def test_ties_count_against_the_query_and_neighbours_break_ties_by_index():
    sim = np.zeros((3, 3))  # a variant whose vectors are all equal: chance, not perfect
    res = search_similarity(sim, chunk=2)
    np.testing.assert_array_equal(res.t2v_rank, [3, 3, 3])
    np.testing.assert_array_equal(res.v2t_rank, [3, 3, 3])
    np.testing.assert_array_equal(res.t2v_topk, [[0, 1, 2]] * 3)


def test_tied_own_captions_keep_average_precision_at_most_one():
    # video 0 has two captions with equal scores, ahead of everything else
    sim = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8]])
    res = search_similarity(sim, np.array([0, 0, 1]))
    own = res.v2t_rel_rank[res.v2t_rel_video == 0]
    assert sorted(own.tolist()) == [1, 2]


def test_normalize_false_uses_dot_products():
    videos = np.array([[1.0, 0.0], [0.0, 3.0]])
    texts = np.array([[1.0, 0.9]])
    assert search(texts, videos, [0], normalize=True).t2v_rank[0] == 1  # cosine 0.74 > 0.67
    assert search(texts, videos, [0], normalize=False).t2v_rank[0] == 2  # dot 1 < 2.7


def test_score_samples_are_seeded_and_sized():
    texts, videos, gt = _multi_caption(seed=7)
    a = search(texts, videos, gt, n_score_samples=30, seed=11)
    b = search(texts, videos, gt, n_score_samples=30, seed=11, chunk=2)
    np.testing.assert_allclose(a.matching_scores, b.matching_scores, atol=1e-6)
    np.testing.assert_allclose(a.nonmatching_scores, b.nonmatching_scores, atol=1e-6)
    assert len(a.matching_scores) == 30 and len(a.nonmatching_scores) == 30
    assert set(np.round(a.matching_scores, 5)) <= set(np.round(a.t2v_gt_score, 5))
    assert len(search(texts, videos, gt, n_score_samples=0).matching_scores) == 0


def test_nonmatching_samples_never_use_the_own_video():
    # every text scores 1 with its own video and 0 with every other one
    sim = np.eye(5)
    res = search_similarity(sim, n_score_samples=200)
    assert np.all(res.nonmatching_scores == 0)
    assert np.all(res.matching_scores == 1)


@pytest.mark.parametrize(
    ("texts", "videos", "gt", "message"),
    [
        (np.ones((2, 3)), np.ones((2, 4)), [0, 1], "dim 3 but video embeddings have dim 4"),
        (np.ones((2, 3)), np.ones((2, 3)), [0, 2], "ground truth of text 1 is 2"),
        (np.ones((2, 3)), np.ones((2, 3)), [0, -1], "outside the 2 videos"),
        (np.ones((2, 3)), np.ones((2, 3)), [0], "one video index per text"),
        (np.ones((0, 3)), np.ones((2, 3)), [], "text embeddings are empty"),
        (np.ones((2, 3)), np.ones((0, 3)), [0, 0], "video embeddings are empty"),
        (np.ones(3), np.ones((2, 3)), [0], "must be a 2-D array"),
        (np.full((2, 3), np.nan), np.ones((2, 3)), [0, 1], "NaN or infinite values in 2 row"),
        (np.ones((2, 3)), np.ones((2, 3)), [0.5, 1], "integer video indices"),
    ],
)
def test_bad_inputs_are_refused_clearly(texts, videos, gt, message):
    with pytest.raises(EvalInputError, match=message):
        search(texts, videos, np.asarray(gt))


def test_bad_similarity_inputs_are_refused_clearly():
    with pytest.raises(EvalInputError, match="not square"):
        search_similarity(np.ones((3, 2)))
    with pytest.raises(EvalInputError, match="2-D"):
        search_similarity(np.ones(3))
    with pytest.raises(EvalInputError, match="numeric"):
        search_similarity(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(EvalInputError, match="k must be at least 1"):
        search_similarity(np.eye(2), k=0)
    with pytest.raises(EvalInputError, match="chunk must be at least 1"):
        search_similarity(np.eye(2), chunk=0)


def test_float_ground_truth_with_whole_numbers_is_accepted():
    res = search_similarity(np.eye(3), np.array([0.0, 1.0, 2.0]))
    np.testing.assert_array_equal(res.t2v_rank, [1, 1, 1])
