"""Exact, chunked cosine search: ranks, relevant-item ranks, top-k neighbours, score samples.

Both directions follow CLIP4Clip. `gt[i]` is the video of text (caption) `i`.

How an item scoring exactly as high as the ground truth ranks is the `ties` rule
(`TIES`): 'pessimistic' (the default) ranks it ahead of the ground truth, so a variant
whose vectors are all equal scores worst-case (every rank n, R@1 0), not perfectly;
'optimistic' ranks it behind; 'mean' gives the expected rank under uniform random
tie-breaking, 1 + #greater + #tied_others / 2 (ranks may then be half-integers, and an
all-equal variant ranks every ground truth at (n + 1) / 2, the chance MedR and MeanR).

* T2V: each text is a query over all videos; its rank is 1 + the number of other
  videos scoring higher + the tied other videos as the ties rule counts them.
* V2T: each video with at least one caption is a query over the videos that have
  captions; a candidate video's caption set scores as its best caption, and the
  rank of its own set follows the same rule among the caption sets.
  Separately, every caption of the query video is ranked among ALL captions: mAP is
  computed from these. A video's own captions that tie with each other keep their
  order (the earlier caption first); for the p-th of m own captions tied with t
  captions of other videos, after G captions scoring higher, the rank is G + t + p
  (pessimistic), G + p (optimistic) or G + p + t * p / (m + 1) (mean: the expected
  rank of the p-th of them under random tie-breaking).

Memory stays bounded: the T2V pass scores `chunk` texts against all videos at a
time, the V2T pass all texts against `chunk` videos at a time. The full
n_texts x n_videos matrix is never held at once (unless it was given, see
`search_similarity`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vtr.errors import EvalInputError

_EPS = 1e-12

# The ways to rank tied scores, and the metric protocols an evaluation may follow; each
# name with the line `vtr eval --help` shows for it.
TIES = {
    "pessimistic": "a tied item ranks ahead of the ground truth (default)",
    "optimistic": "a tied item ranks behind the ground truth",
    "mean": "the expected rank under random tie-breaking (ranks may be half-integers)",
}
PROTOCOLS = {
    "vtr": "vtr's metric definitions (default)",
    "clip4clip": "CLIP4Clip's published-number conventions where they differ",
}
_TIE_WEIGHT = {"pessimistic": 1.0, "optimistic": 0.0, "mean": 0.5}


def check_ties(ties: str) -> str:
    """`ties` if it names a ties rule (TIES), else EvalInputError listing them."""
    return _check_choice(ties, TIES, "ties rule")


def check_protocol(protocol: str) -> str:
    """`protocol` if it names a metric protocol (PROTOCOLS), else EvalInputError."""
    return _check_choice(protocol, PROTOCOLS, "protocol")


def choices_help(choices: dict[str, str]) -> str:
    """One help sentence listing `choices` (TIES or PROTOCOLS) and what each means."""
    return "; ".join(f"{name}: {meaning}" for name, meaning in choices.items()) + "."


def _check_choice(value: str, choices: dict[str, str], what: str) -> str:
    if value not in choices:
        raise EvalInputError(f"unknown {what} {value!r}; choose from {', '.join(choices)}")
    return value


def tie_rank(greater: np.ndarray, tied_others: np.ndarray, ties: str) -> np.ndarray:
    """Rank of a ground truth with `greater` items above it and `tied_others` level with it."""
    return 1.0 + greater + _TIE_WEIGHT[ties] * tied_others


def relevant_rank(
    greater: np.ndarray, tied_others: np.ndarray, position: np.ndarray, block: np.ndarray, ties: str
) -> np.ndarray:
    """Rank of the `position`-th (1-based) of `block` relevant items that tie with each other
    and with `tied_others` other items, after `greater` items (see the module doc)."""
    if ties == "mean":
        return greater + position + tied_others * position / (block + 1.0)
    return greater + position + _TIE_WEIGHT[ties] * tied_others


@dataclass(frozen=True)
class SearchResult:
    """Everything an evaluation stores, as numpy arrays (indices are 0-based rows)."""

    n_texts: int
    n_videos: int
    t2v_rank: np.ndarray  # (n_texts,) rank of each text's video (float: 'mean' ties halve)
    t2v_gt_score: np.ndarray  # (n_texts,) score of each text with its video
    t2v_topk: np.ndarray  # (n_texts, min(k, n_videos)) video indices, best first
    t2v_topk_score: np.ndarray
    v2t_query: np.ndarray  # (n_queries,) indices of the videos that have captions, ascending
    v2t_rank: np.ndarray  # (n_queries,) rank of the video's own caption set
    v2t_gt_score: np.ndarray  # (n_queries,) best score among the video's own captions
    v2t_topk: np.ndarray  # (n_queries, min(k, n_texts)) caption indices, best first
    v2t_topk_score: np.ndarray
    v2t_rel_caption: np.ndarray  # (n_texts,) caption index of each (video, own caption) pair
    v2t_rel_video: np.ndarray  # (n_texts,) its video index
    v2t_rel_rank: np.ndarray  # (n_texts,) the caption's rank among all captions for that video
    matching_scores: np.ndarray  # seeded sample of scores of (text, own video) pairs
    nonmatching_scores: np.ndarray  # seeded sample of scores of (text, other video) pairs


@dataclass(frozen=True)
class _Scorer:
    n_texts: int
    n_videos: int
    rows: Callable[[int, int], np.ndarray]  # S[a:b, :]
    cols: Callable[[np.ndarray, np.ndarray], np.ndarray]  # S[order][:, idx]
    pairs: Callable[[np.ndarray, np.ndarray], np.ndarray]  # S[i, j] elementwise

    def rescored(self, rescorers, chunk: int) -> tuple[_Scorer, _Scorer]:
        """(T2V scorer, V2T scorer) with `rescorers` (vtr.warehouse.rerank) applied."""
        all_videos = np.arange(self.n_videos)

        def t2v_rows(a: int, b: int) -> np.ndarray:
            return rescorers.t2v(self.rows(a, b), np.arange(a, b), all_videos)

        def t2v_pairs(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            out = np.empty(len(i), dtype=np.float64)
            for a in range(0, len(i), chunk):
                ii, jj = i[a : a + chunk], j[a : a + chunk]
                full = self.cols(all_videos, ii)  # S[ii, :]
                out[a : a + chunk] = rescorers.t2v(full, ii, all_videos)[np.arange(len(ii)), jj]
            return out

        def v2t_cols(idx: np.ndarray, order: np.ndarray) -> np.ndarray:
            return rescorers.v2t(self.cols(idx, order), order, idx)

        t2v = _Scorer(self.n_texts, self.n_videos, t2v_rows, self.cols, t2v_pairs)
        v2t = _Scorer(self.n_texts, self.n_videos, self.rows, v2t_cols, self.pairs)
        return t2v, v2t


def search(
    texts: np.ndarray,
    videos: np.ndarray,
    gt: np.ndarray,
    k: int = 10,
    chunk: int = 1024,
    n_score_samples: int = 2000,
    seed: int = 0,
    normalize: bool = True,
    rerank=None,
    ties: str = "pessimistic",
) -> SearchResult:
    """Exact cosine search of texts (n_t x d) against videos (n_v x d); see the module doc.

    `normalize=False` uses plain dot products (for inputs already L2-normalised).
    `rerank` (a `vtr.warehouse.rerank.Rerank`) re-scores each chunk before ranking;
    the T2V and V2T passes each get their own re-scoring. `ties` is a TIES rule.
    """
    check_ties(ties)
    t = _as_matrix(texts, "text embeddings")
    v = _as_matrix(videos, "video embeddings")
    if t.shape[1] != v.shape[1]:
        raise EvalInputError(
            f"text embeddings have dim {t.shape[1]} but video embeddings have dim {v.shape[1]}"
        )
    gt_idx = _check_gt(gt, t.shape[0], v.shape[0])
    if normalize:
        t = l2_normalize(t)
        v = l2_normalize(v)
    scorer = _Scorer(
        n_texts=t.shape[0],
        n_videos=v.shape[0],
        rows=lambda a, b: t[a:b] @ v.T,
        cols=lambda idx, order: t[order] @ v[idx].T,
        pairs=lambda i, j: np.einsum("nd,nd->n", t[i], v[j]),
    )
    rescorers = rerank.rescorers(t, v, chunk) if rerank is not None else None
    if rescorers is None:
        return _run(scorer, scorer, gt_idx, k, chunk, n_score_samples, seed, ties)
    t2v, v2t = scorer.rescored(rescorers, chunk)
    return _run(t2v, v2t, gt_idx, k, chunk, n_score_samples, seed, ties)


def search_similarity(
    sim: np.ndarray,
    gt: np.ndarray | None = None,
    k: int = 10,
    chunk: int = 1024,
    n_score_samples: int = 2000,
    seed: int = 0,
    ties: str = "pessimistic",
) -> SearchResult:
    """The same ranks on a given text x video similarity matrix, used as is.

    `gt` defaults to `arange(n)` for a square matrix (text i describes video i).
    """
    check_ties(ties)
    s = np.asarray(sim)
    if s.ndim != 2:
        raise EvalInputError(f"similarity matrix must be 2-D (texts x videos), got shape {s.shape}")
    if not np.issubdtype(s.dtype, np.floating):
        if not (np.issubdtype(s.dtype, np.integer) or s.dtype == np.bool_):
            raise EvalInputError(f"similarity matrix must be numeric, got dtype {s.dtype}")
        s = s.astype(np.float64)
    s = _as_matrix(s, "similarity matrix", dtype=s.dtype)
    if gt is None:
        if s.shape[0] != s.shape[1]:
            raise EvalInputError(
                f"similarity matrix is {s.shape[0]} x {s.shape[1]} (not square): "
                "give the ground truth (video index of each text row)"
            )
        gt = np.arange(s.shape[0])
    gt_idx = _check_gt(gt, s.shape[0], s.shape[1])
    scorer = _Scorer(
        n_texts=s.shape[0],
        n_videos=s.shape[1],
        rows=lambda a, b: s[a:b],
        cols=lambda idx, order: s[np.ix_(order, idx)],
        pairs=lambda i, j: s[i, j],
    )
    return _run(scorer, scorer, gt_idx, k, chunk, n_score_samples, seed, ties)


def _run(
    scorer: _Scorer,
    v2t_scorer: _Scorer,
    gt: np.ndarray,
    k: int,
    chunk: int,
    n_samples: int,
    seed: int,
    ties: str,
) -> SearchResult:
    if k < 1:
        raise EvalInputError(f"k must be at least 1, got {k}")
    if chunk < 1:
        raise EvalInputError(f"chunk must be at least 1, got {chunk}")
    if n_samples < 0:
        raise EvalInputError(f"n_score_samples must be >= 0, got {n_samples}")
    t2v_rank, t2v_gt, t2v_top, t2v_top_s = _t2v_pass(scorer, gt, k, chunk, ties)
    v2t = _v2t_pass(v2t_scorer, gt, k, chunk, ties)
    matching, nonmatching = _sample_scores(scorer, gt, t2v_gt, n_samples, seed)
    return SearchResult(
        n_texts=scorer.n_texts,
        n_videos=scorer.n_videos,
        t2v_rank=t2v_rank,
        t2v_gt_score=t2v_gt,
        t2v_topk=t2v_top,
        t2v_topk_score=t2v_top_s,
        **v2t,
        matching_scores=matching,
        nonmatching_scores=nonmatching,
    )


def _t2v_pass(
    scorer: _Scorer, gt: np.ndarray, k: int, chunk: int, ties: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_t, n_v = scorer.n_texts, scorer.n_videos
    kk = min(k, n_v)
    rank = np.empty(n_t, dtype=np.float64)
    gt_score = np.empty(n_t, dtype=np.float64)
    top = np.empty((n_t, kk), dtype=np.int64)
    top_score = np.empty((n_t, kk), dtype=np.float64)
    for a in range(0, n_t, chunk):
        b = min(a + chunk, n_t)
        s = scorer.rows(a, b)  # (m, n_v)
        g = s[np.arange(b - a), gt[a:b]]
        greater = np.count_nonzero(s > g[:, None], axis=1)
        tied = np.count_nonzero(s == g[:, None], axis=1) - 1  # the own video is not a tie
        rank[a:b] = tie_rank(greater, tied, ties)
        gt_score[a:b] = g
        top[a:b], top_score[a:b] = _topk_rows(s, kk)
    return rank, gt_score, top, top_score


def _v2t_pass(
    scorer: _Scorer, gt: np.ndarray, k: int, chunk: int, ties: str
) -> dict[str, np.ndarray]:
    n_t = scorer.n_texts
    order = np.argsort(gt, kind="stable")  # captions grouped by video, videos ascending
    query, starts = np.unique(gt[order], return_index=True)
    n_q = len(query)
    ends = np.append(starts[1:], n_t)
    group_of_pos = np.repeat(np.arange(n_q), ends - starts)  # group of each sorted caption
    kk = min(k, n_t)
    rank = np.empty(n_q, dtype=np.float64)
    gt_score = np.empty(n_q, dtype=np.float64)
    top = np.empty((n_q, kk), dtype=np.int64)
    top_score = np.empty((n_q, kk), dtype=np.float64)
    rel_rank = np.empty(n_t, dtype=np.float64)
    for a in range(0, n_q, chunk):
        b = min(a + chunk, n_q)
        m = np.arange(b - a)
        s = scorer.cols(query[a:b], order)  # (n_t, m), rows grouped by video
        sets = np.maximum.reduceat(s, starts, axis=0)  # (n_q, m) best caption per video
        g = sets[a + m, m]
        greater = np.count_nonzero(sets > g[None, :], axis=0)
        tied = np.count_nonzero(sets == g[None, :], axis=0) - 1
        rank[a:b] = tie_rank(greater, tied, ties)
        gt_score[a:b] = g
        del sets
        # each own caption of the chunk's videos, ranked among all captions
        p0, p1 = starts[a], ends[b - 1]
        cols = group_of_pos[p0:p1] - a
        thr = s[np.arange(p0, p1), cols]
        greater = np.empty(p1 - p0, dtype=np.int64)
        level = np.empty(p1 - p0, dtype=np.int64)  # captions level with it, itself included
        for c in range(0, p1 - p0, chunk):
            sub = slice(c, min(c + chunk, p1 - p0))
            col = s[:, cols[sub]]
            greater[sub] = np.count_nonzero(col > thr[None, sub], axis=0)
            level[sub] = np.count_nonzero(col == thr[None, sub], axis=0)
        position = np.empty(p1 - p0, dtype=np.int64)
        block = np.empty(p1 - p0, dtype=np.int64)
        for q in range(a, b):  # a video's own captions that tie: the earlier one goes first
            own = s[starts[q] : ends[q], q - a]
            equal = own[:, None] == own[None, :]
            at = slice(starts[q] - p0, ends[q] - p0)
            block[at] = equal.sum(axis=1)
            position[at] = 1 + np.tril(equal, k=-1).sum(axis=1)
        rel_rank[p0:p1] = relevant_rank(greater, level - block, position, block, ties)
        top_pos, top_score[a:b] = _topk_rows(s.T, kk)
        top[a:b] = order[top_pos]
    return {
        "v2t_query": query,
        "v2t_rank": rank,
        "v2t_gt_score": gt_score,
        "v2t_topk": top,
        "v2t_topk_score": top_score,
        "v2t_rel_caption": order,
        "v2t_rel_video": gt[order],
        "v2t_rel_rank": rel_rank,
    }


def _topk_rows(s: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k best column indices (score descending, then index ascending)."""
    n = s.shape[1]
    if k < n:
        idx = np.argpartition(s, n - k, axis=1)[:, n - k :]
    else:
        idx = np.broadcast_to(np.arange(n), s.shape)
    score = np.take_along_axis(s, idx, axis=1)
    order = np.lexsort((idx, -score), axis=1)
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(score, order, axis=1)


def _sample_scores(
    scorer: _Scorer, gt: np.ndarray, gt_score: np.ndarray, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_t, n_v = scorer.n_texts, scorer.n_videos
    matching = rng.choice(gt_score, size=min(n, n_t), replace=False)
    if n_v < 2 or n == 0:
        return matching, np.empty(0, dtype=np.float64)
    i = rng.integers(0, n_t, size=n)
    j = rng.integers(0, n_v - 1, size=n)
    j = j + (j >= gt[i])  # skip each text's own video: uniform over the other videos
    return matching, np.asarray(scorer.pairs(i, j), dtype=np.float64)


def _as_matrix(x: np.ndarray, what: str, dtype: type | np.dtype = np.float32) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise EvalInputError(f"{what} are not a numeric array: {err}") from None
    if arr.ndim != 2:
        raise EvalInputError(f"{what} must be a 2-D array, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise EvalInputError(f"{what} are empty (shape {arr.shape})")
    if not np.isfinite(arr).all():
        bad = int(np.count_nonzero(~np.isfinite(arr).all(axis=1)))
        raise EvalInputError(f"{what} contain NaN or infinite values in {bad} row(s)")
    return arr


def _check_gt(gt: np.ndarray, n_texts: int, n_videos: int) -> np.ndarray:
    g = np.asarray(gt)
    if g.ndim != 1 or len(g) != n_texts:
        raise EvalInputError(
            f"ground truth must be a 1-D array with one video index per text "
            f"({n_texts}), got shape {g.shape}"
        )
    if np.issubdtype(g.dtype, np.floating) and np.all(np.isfinite(g)) and np.all(g == np.round(g)):
        g = g.astype(np.int64)
    if not np.issubdtype(g.dtype, np.integer):
        raise EvalInputError(f"ground truth must hold integer video indices, got dtype {g.dtype}")
    g = g.astype(np.int64)
    bad = np.flatnonzero((g < 0) | (g >= n_videos))
    if len(bad):
        raise EvalInputError(
            f"ground truth of text {int(bad[0])} is {int(g[bad[0]])}, outside the "
            f"{n_videos} videos (0..{n_videos - 1}); {len(bad)} text(s) out of range"
        )
    return g


def l2_normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, _EPS)
