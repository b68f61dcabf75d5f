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
is not known, and is stored as k + 1 (censored). R@K for K <= k are exact with
respect to the index's answers; MedR, MeanR, MRR and mAP become bounds, which is
why an evaluation records `search = 'ann'` and its `ranks_censored_at`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from vtr.errors import EvalInputError, UnknownVariant
from vtr.warehouse.bridge import literal
from vtr.warehouse.search import SearchResult, l2_normalize
from vtr.warehouse.variants import get_variant

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
    wh,
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
            f"variant {variant_id!r} has {rows} rows: too few to train an index with "
            f"{partitions} partitions (exact search is the right tool at this size)"
        )
    from lancedb.index import Bitmap, BTree, IvfFlat, IvfHnswSq, IvfPq

    extra = {}
    if index_type == "IVF_PQ":
        extra["num_sub_vectors"] = num_sub_vectors or _sub_vectors(int(variant["dim"]))
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
            "variant_id": variant_id,
            "index_type": index_type,
            "n_rows": rows,
            "params": json.dumps(params),
        },
    )
    return wh.rows("ann/get_index", {"variant_id": variant_id})[0]


def get_index(wh, variant_id: str) -> dict[str, Any] | None:
    rows = wh.rows("ann/get_index", {"variant_id": variant_id})
    return rows[0] if rows else None


def use_ann(wh, search: str, text_variant: str, video_variant: str) -> bool:
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
    wh,
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


def ann_result(
    texts: np.ndarray,
    videos: np.ndarray,
    gt: np.ndarray,
    t2v: tuple[list[list[str]], list[np.ndarray]],
    v2t: tuple[list[list[str]], list[np.ndarray]],
    caption_ids: Sequence[str],
    video_ids: Sequence[str],
    k: int,
    n_score_samples: int = 2000,
    seed: int = 0,
) -> SearchResult:
    """A SearchResult from ANN answers (see the module doc); ranks past k are k + 1."""
    t, v = l2_normalize(texts), l2_normalize(videos)
    video_pos = {vid: j for j, vid in enumerate(video_ids)}
    caption_pos = {cid: i for i, cid in enumerate(caption_ids)}
    n_t = len(caption_ids)
    t2v_rank = np.full(n_t, k + 1, dtype=np.int64)
    t2v_top = np.full((n_t, k), -1, dtype=np.int64)
    t2v_top_s = np.full((n_t, k), np.nan)
    for i, (found, score) in enumerate(zip(*t2v, strict=True)):
        idx = np.array([video_pos[f] for f in found], dtype=np.int64)
        t2v_top[i, : len(idx)], t2v_top_s[i, : len(idx)] = idx, score
        hit = np.flatnonzero(idx == gt[i])
        if len(hit):
            t2v_rank[i] = hit[0] + 1
    queries = np.unique(gt)
    order = np.argsort(gt, kind="stable")
    v2t_rank = np.full(len(queries), k + 1, dtype=np.int64)
    v2t_top = np.full((len(queries), k), -1, dtype=np.int64)
    v2t_top_s = np.full((len(queries), k), np.nan)
    rel_rank = np.full(n_t, k + 1, dtype=np.int64)
    for q, video in enumerate(queries):
        found, score = v2t[0][video], v2t[1][video]
        idx = np.array([caption_pos[f] for f in found], dtype=np.int64)
        v2t_top[q, : len(idx)], v2t_top_s[q, : len(idx)] = idx, score
        owners = gt[idx]
        own = np.flatnonzero(owners == video)
        if len(own):
            # caption sets in order of their best returned caption: distinct owners, first seen
            _, first = np.unique(owners, return_index=True)
            v2t_rank[q] = 1 + int(np.sum(first < own[0]))
        for position in own:
            rel_rank[idx[position]] = position + 1
    rng = np.random.default_rng(seed)
    gt_score = np.einsum("nd,nd->n", t, v[gt]).astype(np.float64)
    matching = rng.choice(gt_score, size=min(n_score_samples, n_t), replace=False)
    i = rng.integers(0, n_t, size=n_score_samples)
    j = rng.integers(0, len(video_ids) - 1, size=n_score_samples)
    j = j + (j >= gt[i])
    own_score = np.array([np.max(t[gt == video] @ v[video]) for video in queries], dtype=np.float64)
    return SearchResult(
        n_texts=n_t,
        n_videos=len(video_ids),
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


def _sub_vectors(dim: int) -> int:
    for size in (8, 16, 4, 2, 1):  # dims per sub-vector; 8 or 16 suit SIMD best
        if dim % size == 0 and dim // size >= 1:
            return dim // size
    return 1
