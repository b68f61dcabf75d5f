"""Approximate nearest-neighbour search on a variant's LanceDB table.

`build_index` trains a LanceDB vector index with cosine distance on a variant's table
and records it in the catalog (`ann_indexes`). IVF_FLAT (the default) keeps a copy of
the full vectors per partition, so the distances of the probed partitions are exact
and no refine pass is needed; IVF_HNSW_SQ and IVF_PQ are smaller but quantised, and
answer well only with a refine pass that re-reads the full vectors of k x
refine_factor candidates from the table (random reads: over half of their query time).
`ann_search` answers many queries at once from that index; `ann_result` turns the
answers of both directions into the same `SearchResult` an exact search gives, with
one difference: the rank of a ground truth the index did not return among the top k
is not known, and is stored as k + 1 (censored). Video-to-text asks for captions
again with a doubled limit until k distinct caption sets are seen, so one video's
captions cannot crowd the answer. With respect to the index's answers, R@K for K <= k
is exact in both directions; MedR and MeanR are lower bounds and MRR and mAP upper
bounds, which is why an evaluation records `search = 'ann'` and its
`ranks_censored_at`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vtr.errors import EvalInputError, UnknownVariant
from vtr.warehouse.bridge import literal
from vtr.warehouse.runs import run_lifecycle
from vtr.warehouse.search import SearchResult, check_ties, l2_normalize, relevant_rank, tie_rank
from vtr.warehouse.variants import get_variant

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

INDEX_TYPES = ("IVF_FLAT", "IVF_HNSW_SQ", "IVF_PQ")
QUANTISED_REFINE = 2  # default refine factor of the quantised index types
QUERY_BATCH = 512
AUTO_ANN_ROWS = 100_000  # `--search auto` uses the indexes from this many rows on


@dataclass(frozen=True)
class AnnParams:
    """Query settings. refine_factor None: QUANTISED_REFINE on IVF_HNSW_SQ and IVF_PQ,
    off on IVF_FLAT (its distances are exact already); 0: off."""

    nprobes: int = 20
    refine_factor: int | None = None

    def refine_for(self, index_type: str | None) -> int | None:
        """The refine factor to query an index of `index_type` with (None: no refine)."""
        if self.refine_factor is not None:
            return self.refine_factor or None
        return None if index_type == "IVF_FLAT" else QUANTISED_REFINE


def build_index(
    wh: Warehouse,
    variant_id: str,
    index_type: str = "IVF_FLAT",
    num_partitions: int | None = None,
    num_sub_vectors: int | None = None,
) -> dict[str, Any]:
    """Build (or rebuild) the ANN index of a variant's table; return its catalog row."""
    if index_type not in INDEX_TYPES:
        raise EvalInputError(f"unknown index type {index_type!r}; choose from {INDEX_TYPES}")
    variant = get_variant(wh, variant_id)
    table = variant["lance_table"]
    if not wh.vectors.has_table(table):
        raise UnknownVariant(f"variant {variant_id!r} has no embeddings yet; run `vtr ingest`")
    handle = wh.vectors.db.open_table(table)
    rows = handle.count_rows()
    partitions = num_partitions or max(1, int(round(np.sqrt(rows))))
    if rows < 2 * partitions or rows < 256:
        raise EvalInputError(
            f"variant {variant_id!r} has {rows} rows: an index needs at least 256 rows and "
            f"at least 2 rows per partition (here {partitions} partitions, so at least "
            f"{max(256, 2 * partitions)} rows); exact search is the right tool at this size"
        )
    config = {"variant": variant_id, "index_type": index_type, "num_partitions": partitions}
    with run_lifecycle(wh, "index", {**config, "num_sub_vectors": num_sub_vectors}) as run:
        run.summary = _build(wh, handle, variant, index_type, partitions, num_sub_vectors)
    return wh.rows("ann/get_index", {"variant_id": variant_id})[0]


def _build(
    wh, handle, variant: dict[str, Any], index_type: str, partitions: int, sub_vectors: int | None
) -> dict[str, Any]:
    """Train the index on `handle` and record it in the catalog; return its params."""
    rows = handle.count_rows()
    from lancedb.index import Bitmap, BTree, IvfFlat, IvfHnswSq, IvfPq

    extra = {}
    if index_type == "IVF_PQ":
        extra["num_sub_vectors"] = sub_vectors or _sub_vectors(int(variant["dim"]))
        config = IvfPq(distance_type="cosine", num_partitions=partitions, **extra)
    elif index_type == "IVF_HNSW_SQ":
        config = IvfHnswSq(distance_type="cosine", num_partitions=partitions)
    else:
        config = IvfFlat(distance_type="cosine", num_partitions=partitions)
    started = time.perf_counter()
    handle.create_index("vector", config=config, replace=True)
    seconds = time.perf_counter() - started
    scan = handle.to_lance().to_table(columns=["dataset"])
    datasets = sorted(set(scan["dataset"].unique().to_pylist()))
    if len(datasets) > 1:  # queries filter by dataset: let the prefilter use an index
        handle.create_index("dataset", config=Bitmap(), replace=True)
    handle.create_index("item_id", config=BTree(), replace=True)  # for split filters
    params = {
        "num_partitions": partitions,
        **extra,
        "build_seconds": round(seconds, 3),
        "datasets": datasets,
    }
    wh.sql(
        "ann/record_index",
        {
            "variant_id": variant["variant_id"],
            "index_type": index_type,
            "n_rows": rows,
            "params": json.dumps(params),
        },
    )
    return {"n_rows": rows, **params}


def get_index(wh: Warehouse, variant_id: str) -> dict[str, Any] | None:
    rows = wh.rows("ann/get_index", {"variant_id": variant_id})
    return rows[0] if rows else None


def use_ann(wh: Warehouse, search: str, text_variant: str, video_variant: str) -> bool:
    """Whether `search` ('exact', 'ann' or 'auto') means ANN for these two variants.

    'auto' uses ANN when both variants have an index and each covers at least
    AUTO_ANN_ROWS rows; below that exact search is fast enough and has no censored ranks.
    """
    if search not in ("exact", "ann", "auto"):
        raise EvalInputError(f"unknown search {search!r}; choose exact, ann or auto")
    if search != "auto":
        return search == "ann"
    indexes = [get_index(wh, v) for v in (text_variant, video_variant)]
    return all(i is not None and i["n_rows"] >= AUTO_ANN_ROWS for i in indexes)


def ann_search(
    wh: Warehouse,
    variant: dict[str, Any],
    dataset: str,
    queries: np.ndarray,
    k: int,
    params: AnnParams,
    item_ids: Sequence[str] | None = None,
) -> tuple[list[list[str]], list[np.ndarray]]:
    """Per query, the ids and cosine scores of its k nearest rows (best first, ties by id).

    Only rows of `dataset` (and, when given, of `item_ids`) are candidates. `variant` is
    the variant's catalog row plus its index's "index_type" and "index_params": the
    type picks the default refine factor, and the dataset filter is skipped when the
    index saw that dataset only. Queries go to LanceDB QUERY_BATCH at a time, one call
    each; every query of a batch gets the same answer it would get alone.
    """
    handle = wh.vectors.db.open_table(variant["lance_table"])
    clauses = []
    if json.loads(variant.get("index_params") or "{}").get("datasets") != [dataset]:
        clauses.append(f"dataset = {literal(dataset)}")  # the table holds other datasets too
    if item_ids is not None:
        clauses.append(f"item_id IN ({', '.join(literal(i) for i in item_ids)})")
    where = " AND ".join(clauses)
    refine = params.refine_for(variant.get("index_type"))
    q = l2_normalize(np.asarray(queries, dtype=np.float32))
    ids: list[list[str]] = []
    scores: list[np.ndarray] = []
    for a in range(0, len(q), QUERY_BATCH):
        chunk = q[a : a + QUERY_BATCH]
        builder = handle.search(list(chunk)).distance_type("cosine").nprobes(params.nprobes)
        if refine:
            builder = builder.refine_factor(refine)
        if where:
            builder = builder.where(where, prefilter=True)
        found = builder.limit(k).select(["item_id", "_distance"]).to_arrow()
        if "query_index" not in found.column_names:  # a single query vector
            found = found.append_column("query_index", pa.array(np.zeros(found.num_rows, np.int32)))
        # score = 1 - distance, so ascending distance is descending score, ties alike
        found = found.sort_by(
            [("query_index", "ascending"), ("_distance", "ascending"), ("item_id", "ascending")]
        )
        counts = np.bincount(found["query_index"].to_numpy(), minlength=len(chunk))
        ends = np.cumsum(counts)
        item = found["item_id"].to_pylist()
        score = 1.0 - found["_distance"].to_numpy().astype(np.float64)
        for start, end in zip(ends - counts, ends, strict=True):
            ids.append(item[start:end])
            scores.append(score[start:end])
    return ids, scores


Searcher = Callable[[np.ndarray, int], tuple[list[list[str]], list[np.ndarray]]]


def ann_result(
    texts: np.ndarray,
    videos: np.ndarray,
    gt: np.ndarray,
    t2v: Searcher,
    v2t: Searcher,
    caption_ids: Sequence[str],
    video_ids: Sequence[str],
    k: int,
    n_score_samples: int = 2000,
    seed: int = 0,
    ties: str = "pessimistic",
) -> SearchResult:
    """A SearchResult from ANN answers (see the module doc).

    `t2v(text_rows, limit)` answers text queries with videos, `v2t(video_rows, limit)`
    video queries with captions, as `ann_search` does. A query whose rank the first
    answer leaves open is asked again with twice the limit, until its rank is known or
    exceeds k (stored as k + 1), or the index has nothing more to give.
    """
    check_ties(ties)
    t, v = l2_normalize(texts), l2_normalize(videos)
    video_pos = {vid: j for j, vid in enumerate(video_ids)}
    caption_pos = {cid: i for i, cid in enumerate(caption_ids)}
    n_t, n_v = len(caption_ids), len(video_ids)
    t2v_rank, t2v_found = _set_ranks(t2v, gt, np.arange(n_v), video_pos, k + 1, k, ties)
    t2v_top, t2v_top_s = _top(t2v_found, k)
    order = np.argsort(gt, kind="stable")  # captions grouped by video, videos ascending
    queries, starts, counts = np.unique(gt[order], return_index=True, return_counts=True)
    first = max(k + 1, -(-(k + 1) * n_t // len(queries)))  # about k + 1 caption sets

    def v2t_queries(rows: np.ndarray, limit: int):
        return v2t(queries[rows], limit)

    v2t_rank, v2t_found = _set_ranks(v2t_queries, queries, gt, caption_pos, first, k, ties)
    v2t_top, v2t_top_s = _top(v2t_found, k)
    rel_rank = np.empty(n_t, dtype=np.float64)
    for q, (start, count) in enumerate(zip(starts, counts, strict=True)):
        own = order[start : start + count]
        rel_rank[own] = _own_caption_ranks(*v2t_found[q], own, ties)
    rng = np.random.default_rng(seed)
    gt_score = np.einsum("nd,nd->n", t, v[gt]).astype(np.float64)
    matching = rng.choice(gt_score, size=min(n_score_samples, n_t), replace=False)
    i = rng.integers(0, n_t, size=n_score_samples)
    j = rng.integers(0, n_v - 1, size=n_score_samples)
    j = j + (j >= gt[i])
    own_score = np.maximum.reduceat(gt_score[order], starts)  # each video's best own caption
    return SearchResult(
        n_texts=n_t,
        n_videos=n_v,
        t2v_rank=t2v_rank,
        t2v_gt_score=gt_score,
        t2v_topk=t2v_top,
        t2v_topk_score=t2v_top_s,
        v2t_query=queries,
        v2t_rank=v2t_rank,
        v2t_gt_score=own_score,
        v2t_topk=v2t_top,
        v2t_topk_score=v2t_top_s,
        v2t_rel_caption=order,
        v2t_rel_video=gt[order],
        v2t_rel_rank=rel_rank[order],
        matching_scores=matching,
        nonmatching_scores=np.einsum("nd,nd->n", t[i], v[j]).astype(np.float64),
    )


# An answer: positions of the returned items, their scores (best first), and the score
# below which the index may hold more items (-inf: it returned all it had).
_Found = tuple[np.ndarray, np.ndarray, float]


def _set_ranks(
    searcher: Searcher,
    own: np.ndarray,
    owner: np.ndarray,
    position: dict[str, int],
    first_limit: int,
    k: int,
    ties: str,
) -> tuple[np.ndarray, list[_Found]]:
    """Per query q, min(rank of the set `own[q]`, k + 1), and the answer that settled it.

    An item at position p belongs to the set `owner[p]`; a set scores as its best item.
    """
    n_items = len(position)
    ranks = np.full(len(own), np.nan)
    found: list[_Found] = [(np.empty(0, np.int64), np.empty(0), -np.inf)] * len(own)
    todo, limit = np.arange(len(own)), min(first_limit, n_items)
    while len(todo):
        ids, scores = searcher(todo, limit)
        left = []
        for q, got, score in zip(todo, ids, scores, strict=True):
            items = np.fromiter((position[g] for g in got), np.int64, len(got))
            floor = float(score[-1]) if len(got) == limit < n_items else -np.inf
            found[q] = (items, score, floor)
            ranks[q] = _set_rank(owner[items], score, floor, own[q], k, ties)
            if np.isnan(ranks[q]):
                left.append(q)
        todo, limit = np.array(left, dtype=np.int64), min(2 * limit, n_items)
    return ranks, found


def _set_rank(
    owners: np.ndarray, score: np.ndarray, floor: float, own: int, k: int, ties: str
) -> float:
    """min(rank, k + 1) of set `own` from an answer, or NaN when the answer cannot tell.

    Every item scoring above `floor` is in the answer, so a set whose best item does is
    ranked exactly; one that does not ranks behind every set that does.
    """
    sets, first = np.unique(owners, return_index=True)
    best = score[first]
    mine = sets == own
    if mine.any() and best[mine][0] > floor:
        g, others = best[mine][0], best[~mine]
        rank = tie_rank(np.count_nonzero(others > g), np.count_nonzero(others == g), ties)
        return min(float(rank), k + 1.0)
    if np.count_nonzero(best > floor) >= k or floor == -np.inf:
        return k + 1.0  # k sets certainly ahead of it, or the index never returned it
    return float("nan")


def _own_caption_ranks(
    items: np.ndarray,
    score: np.ndarray,
    floor: float,
    own: np.ndarray,
    ties: str,
) -> np.ndarray:
    """Ranks among all captions of `own` (the query video's captions, ascending), for mAP.

    A caption the answer holds above `floor` gets its exact rank (search.relevant_rank);
    the others, in caption order, the least rank they can have: after every caption
    above the floor and after each other.
    """
    above = score > floor
    ranks = np.empty(len(own), dtype=np.float64)
    seen = {int(c): float(s) for c, s in zip(items[above], score[above], strict=True)}
    hit = np.array([int(c) in seen for c in own], dtype=bool)
    mine = np.array([seen[int(c)] for c in own[hit]])
    if len(mine):
        shown = score[above]
        equal = mine[:, None] == mine[None, :]
        block = equal.sum(axis=1)
        position = 1 + np.tril(equal, k=-1).sum(axis=1)
        greater = np.count_nonzero(shown[None, :] > mine[:, None], axis=1)
        level = np.count_nonzero(shown[None, :] == mine[:, None], axis=1)
        ranks[hit] = relevant_rank(greater, level - block, position, block, ties)
    n_above = int(np.count_nonzero(above))
    ranks[~hit] = n_above + 1 + np.arange(np.count_nonzero(~hit))
    return ranks


def _top(found: list[_Found], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first k items of each answer (-1 / NaN where an answer holds fewer)."""
    top = np.full((len(found), k), -1, dtype=np.int64)
    top_score = np.full((len(found), k), np.nan)
    for q, (items, score, _) in enumerate(found):
        top[q, : min(k, len(items))] = items[:k]
        top_score[q, : min(k, len(items))] = score[:k]
    return top, top_score


def _sub_vectors(dim: int) -> int:
    for size in (8, 16, 4, 2, 1):  # dims per sub-vector; 8 or 16 suit SIMD best
        if dim % size == 0 and dim // size >= 1:
            return dim // size
    return 1
