"""Evaluations: run a search, store its results in the catalog, compute metrics by SQL.

Search results (ranks, relevant-item ranks, top-k neighbours, score samples) are
computed in numpy (`vtr.warehouse.search`); every metric is a query over the
stored tables (`sql/metrics/*.sql`), for real evaluations and for external
similarity matrices alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from vtr.errors import EvalInputError, UnknownDataset, UnknownEval
from vtr.warehouse.ann import AnnParams, ann_result, ann_search, get_index
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.coverage import check_missing, covered_items
from vtr.warehouse.metric_defs import DIRECTIONS, check_catalog_metrics, metric_names
from vtr.warehouse.migrations import migrate
from vtr.warehouse.queries import registered
from vtr.warehouse.rerank import Rerank
from vtr.warehouse.search import (
    SearchResult,
    check_protocol,
    check_ties,
    search,
    search_similarity,
)
from vtr.warehouse.variants import get_variant, sequence_length


def run_eval(
    wh: Warehouse,
    dataset: str,
    split: str | None,
    text_variant: str,
    video_variant: str,
    k: int = 10,
    chunk: int = 1024,
    rerank: str = "none",
    temperature: float = 0.01,
    beta: float = 20.0,
    bank_split: str = "train",
    ann: AnnParams | None = None,
    ties: str = "pessimistic",
    protocol: str = "vtr",
    missing: str = "fail",
) -> int:
    """Exact search of a split's captions against its videos; store everything; return eval_id.

    `split=None` evaluates every video of the dataset. Captions belong to the split of
    their video. `rerank` re-scores the similarities before ranking (see
    `vtr.warehouse.rerank`): 'dual-softmax' with `temperature`, or 'qb-norm' with `beta`
    and a query bank of the `bank_split` captions (T2V) and videos (V2T). `ann` answers
    from the variants' ANN indexes (`vtr index`) instead of exact search; ranks past k
    are then stored as k + 1 (see `vtr.warehouse.ann`). `ties` is how tied scores rank
    (`vtr.warehouse.search.TIES`), `protocol` the metric conventions the evaluation
    follows (`PROTOCOLS`); both are recorded in the evals row. `missing` says what a
    listed item without a vector does (`vtr.warehouse.coverage.MISSING`): 'fail', or
    'skip' it and record the coverage.
    """
    check_ties(ties)
    check_missing(missing)
    check_protocol(protocol)
    text = get_variant(wh, text_variant)
    video = get_variant(wh, video_variant)
    if text["modality"] != "text":
        raise EvalInputError(
            f"text variant {text_variant!r} is a {text['modality']} variant; "
            "give a text variant (text/...)"
        )
    if video["modality"] != "video":
        raise EvalInputError(
            f"video variant {video_variant!r} is a {video['modality']} variant; "
            "give a video variant (video/...)"
        )
    for row, variant_id in ((text, text_variant), (video, video_variant)):
        if sequence_length(row) is not None:
            raise EvalInputError(
                f"variant {variant_id!r} stores per-frame sequences (temporal 'seq'): input "
                "for sequence heads (`vtr train --head transformer`), not for search; evaluate "
                "a pooled variant (e.g. .../mean/8f) or the variant a trained head wrote"
            )
    if text["dim"] != video["dim"]:
        raise EvalInputError(
            f"text variant {text_variant!r} has dim {text['dim']} but video variant "
            f"{video_variant!r} has dim {video['dim']}; they are not in one embedding space "
            "(train an alignment head to map them into one)"
        )
    pair = (text, text_variant), (video, video_variant)
    items = covered_items(wh, dataset, *pair, _split_items(wh, dataset, split), missing)
    video_ids, caption_ids, gt = items.video_ids, items.caption_ids, items.gt
    texts = _read_vectors(wh, text, text_variant, dataset, caption_ids)
    videos = _read_vectors(wh, video, video_variant, dataset, video_ids)
    if ann is not None:
        if rerank != "none":
            raise EvalInputError("re-ranking needs every score: use exact search with --rerank")
        ann_items = (items, texts, videos)
        return _run_ann_eval(
            wh,
            dataset,
            split,
            (text, text_variant),
            (video, video_variant),
            ann_items,
            k,
            ann,
            ties,
            protocol,
        )
    banks = {}
    if rerank == "qb-norm":
        if bank_split == split or split is None:
            raise EvalInputError(
                f"the qb-norm query bank must come from another split than the one evaluated "
                f"({split or 'all'}); pass --bank-split (default 'train')"
            )
        bank = covered_items(wh, dataset, *pair, _split_items(wh, dataset, bank_split), missing)
        banks = {
            "bank_texts": _read_vectors(wh, text, text_variant, dataset, bank.caption_ids),
            "bank_videos": _read_vectors(wh, video, video_variant, dataset, bank.video_ids),
        }
    method = Rerank(rerank, temperature=temperature, beta=beta, **banks)
    result = search(texts, videos, gt, k=k, chunk=chunk, rerank=method, ties=ties)
    meta = _exact_meta(k, chunk, "cosine", dataset, split, text_variant, video_variant)
    meta |= {"ties": ties, "protocol": protocol, **items.coverage()}
    meta["rerank"] = method.method
    meta["uses_test_statistics"] = method.uses_test_statistics
    meta["config"]["rerank"] = method.config() | (
        {"bank_split": bank_split} if method.method == "qb-norm" else {}
    )
    return _store(wh, meta, result, caption_ids, video_ids)


def store_similarity_eval(
    wh: Warehouse,
    sim: np.ndarray,
    gt: np.ndarray | None = None,
    k: int = 10,
    chunk: int = 1024,
    ties: str = "pessimistic",
    protocol: str = "vtr",
) -> int:
    """Store the ranks of an external text x video similarity matrix (used as is).

    Text i gets query/caption id "t<i>", video j gets id "v<j>". `gt` defaults to
    arange(n) for a square matrix. `ties` and `protocol` as in `run_eval`.
    """
    check_protocol(protocol)
    result = search_similarity(sim, gt, k=k, chunk=chunk, ties=ties)
    caption_ids = [f"t{i}" for i in range(result.n_texts)]
    video_ids = [f"v{j}" for j in range(result.n_videos)]
    meta = _exact_meta(k, chunk, "given matrix") | {"ties": ties, "protocol": protocol}
    return _store(wh, meta, result, caption_ids, video_ids)


def _run_ann_eval(
    wh, dataset, split, text, video, ann_items, k: int, ann: AnnParams, ties: str, protocol: str
) -> int:
    (text_row, text_variant), (video_row, video_variant) = text, video
    indexes = {v: get_index(wh, v) for v in (text_variant, video_variant)}
    for variant_id, index in indexes.items():
        if index is None:
            raise EvalInputError(
                f"variant {variant_id!r} has no ANN index; build it: vtr index WAREHOUSE "
                f"--variant {variant_id}"
            )
    text_index, video_index = indexes[text_variant], indexes[video_variant]
    text_row = {**text_row, "index_type": text_index["index_type"]}
    text_row["index_params"] = text_index["params"]
    video_row = {**video_row, "index_type": video_index["index_type"]}
    video_row["index_params"] = video_index["params"]
    items, texts, videos = ann_items
    video_ids, caption_ids, gt = items.video_ids, items.caption_ids, items.gt
    # a split, or a partial gallery (--missing skip): the index answers from these items
    partial = len(video_ids) < items.n_videos_listed or len(caption_ids) < items.n_texts_listed
    in_split = split is not None or partial

    def t2v(rows: np.ndarray, limit: int):
        return ann_search(
            wh, video_row, dataset, texts[rows], limit, ann, video_ids if in_split else None
        )

    def v2t(rows: np.ndarray, limit: int):
        return ann_search(
            wh, text_row, dataset, videos[rows], limit, ann, caption_ids if in_split else None
        )

    result = ann_result(texts, videos, gt, t2v, v2t, caption_ids, video_ids, k, ties=ties)
    meta = _exact_meta(k, 0, "cosine", dataset, split, text_variant, video_variant)
    meta |= {"search": "ann", "ties": ties, "protocol": protocol, **items.coverage()}
    meta["config"] = {
        "similarity": "cosine",
        "nprobes": ann.nprobes,
        "refine_factor": {  # as applied: the default depends on the index type
            "t2v": ann.refine_for(video_index["index_type"]),
            "v2t": ann.refine_for(text_index["index_type"]),
        },
        "index_types": {"text": text_index["index_type"], "video": video_index["index_type"]},
        "ranks_censored_at": k + 1,
        "score_sample_seed": 0,
    }
    return _store(wh, meta, result, caption_ids, video_ids)


def _exact_meta(
    k: int,
    chunk: int,
    similarity: str,
    dataset: str | None = None,
    split: str | None = None,
    text_variant: str | None = None,
    video_variant: str | None = None,
) -> dict[str, Any]:
    """The evals row of an exact search."""
    return {
        "dataset": dataset,
        "split": split,
        "text_variant": text_variant,
        "video_variant": video_variant,
        "search": "exact",
        "k": k,
        "rerank": "none",
        "uses_test_statistics": False,
        "ties": "pessimistic",
        "protocol": "vtr",
        "config": {"similarity": similarity, "chunk": chunk, "score_sample_seed": 0},
    }


def get_eval(wh: Warehouse, eval_id: int) -> dict[str, Any]:
    """The catalog row of an evaluation; UnknownEval (listing the known ids) if absent."""
    rows = wh.rows("evals/get", {"eval_id": eval_id})
    if not rows:
        known = [row["eval_id"] for row in list_evals(wh)]
        hint = ", ".join(map(str, known)) if known else "none yet: run `vtr eval`"
        raise UnknownEval(f"no evaluation with id {eval_id} in this warehouse (known: {hint})")
    row = rows[0]
    row["config"] = json.loads(row["config"]) if row["config"] else {}
    return row


def list_evals(wh: Warehouse) -> list[dict[str, Any]]:
    """Every evaluation with its setup and R@1 in both directions, oldest first."""
    check_catalog_metrics(wh.con)
    return wh.rows("evals/list")


def retrieval_metrics(wh: Warehouse, eval_id: int) -> dict[str, dict[str, float]]:
    """{"t2v": {metric: value}, "v2t": {...}}, unrounded, every metric of metric_names()."""
    get_eval(wh, eval_id)
    check_catalog_metrics(wh.con)
    rows = wh.rows("metrics/retrieval", {"eval_id": eval_id, "by": "all"})
    by_direction = {row["direction"]: row for row in rows}
    missing = [d for d in DIRECTIONS if d not in by_direction]
    if missing:
        raise EvalInputError(f"evaluation {eval_id} has no stored ranks for {missing}")
    return {d: {key: float(by_direction[d][key]) for key in metric_names()} for d in DIRECTIONS}


def metrics_by_category(wh: Warehouse, eval_id: int) -> list[dict[str, Any]]:
    """Rows (direction, category_id, name, n_queries, R@1, ..., mAP) per video category."""
    get_eval(wh, eval_id)
    rows = wh.rows("metrics/retrieval", {"eval_id": eval_id, "by": "category"})
    return [{k: v for k, v in row.items() if k != "bucket"} for row in rows]


def metrics_by_length(wh: Warehouse, eval_id: int) -> list[dict[str, Any]]:
    """T2V rows (direction, bucket, n_queries, R@1, ..., mAP) per query length bucket."""
    get_eval(wh, eval_id)
    rows = wh.rows("metrics/retrieval", {"eval_id": eval_id, "by": "length"})
    return [{k: v for k, v in row.items() if k not in ("category_id", "name")} for row in rows]


def metrics_for_similarity(
    sim: np.ndarray,
    gt: np.ndarray | None = None,
    ties: str = "pessimistic",
    protocol: str = "vtr",
) -> dict[str, dict[str, float]]:
    """Retrieval metrics of a similarity matrix, through the same SQL as real evaluations.

    `ties` and `protocol` as in `run_eval`.
    """
    con = duckdb.connect()
    try:
        migrate(con)
        wh = Warehouse(Path("."), con, False)
        eval_id = store_similarity_eval(wh, sim, gt, ties=ties, protocol=protocol)
        return retrieval_metrics(wh, eval_id)
    finally:
        con.close()


def _split_items(
    wh: Warehouse, dataset: str, split: str | None
) -> tuple[list[str], list[str], np.ndarray]:
    params = {"dataset": dataset, "split": split}
    video_ids = [row["video_id"] for row in wh.rows("evals/split_videos", params)]
    if not video_ids:
        present = [row for row in wh.rows("evals/splits") if row["dataset"] == dataset]
        if not present:
            known = sorted({row["dataset"] for row in wh.rows("evals/splits")})
            raise UnknownDataset(
                f"dataset {dataset!r} has no videos in this warehouse; "
                f"datasets with videos: {known or 'none (run `vtr ingest`)'}"
            )
        splits = ", ".join(f"{row['split']} ({row['n_videos']} videos)" for row in present)
        raise EvalInputError(f"dataset {dataset!r} has no videos in split {split!r}; has: {splits}")
    captions = wh.rows("evals/split_captions", params)
    if not captions:
        raise EvalInputError(
            f"dataset {dataset!r} split {split!r} has {len(video_ids)} videos but no captions"
        )
    position = {video_id: i for i, video_id in enumerate(video_ids)}
    gt = np.fromiter((position[row["video_id"]] for row in captions), np.int64, len(captions))
    return video_ids, [row["caption_id"] for row in captions], gt


def _read_vectors(
    wh: Warehouse, variant: dict[str, Any], variant_id: str, dataset: str, ids: list[str]
) -> np.ndarray:
    try:
        _, matrix = wh.vectors.read(variant["lance_table"], dataset, ids)
    except EvalInputError as err:
        raise EvalInputError(f"{variant['modality']} variant {variant_id!r}: {err}") from None
    if matrix.shape[1] != variant["dim"]:
        raise EvalInputError(
            f"{variant['modality']} variant {variant_id!r} is registered with dim "
            f"{variant['dim']} but its table {variant['lance_table']!r} stores "
            f"dim {matrix.shape[1]}"
        )
    return matrix


def _store(
    wh: Warehouse,
    meta: dict[str, Any],
    result: SearchResult,
    caption_ids: Sequence[str],
    video_ids: Sequence[str],
) -> int:
    captions = pa.array(list(caption_ids), pa.string())
    videos = pa.array(list(video_ids), pa.string())
    tables = {
        "eval_ranks_in": _ranks_table(result, captions, videos),
        "eval_relevant_in": _relevant_table(result, captions, videos),
        "eval_neighbours_in": _neighbours_table(result, captions, videos),
        "eval_scores_in": _scores_table(result),
    }
    writes = {
        "eval_ranks_in": "evals/write_ranks",
        "eval_relevant_in": "evals/write_relevant_ranks",
        "eval_neighbours_in": "evals/write_neighbours",
        "eval_scores_in": "evals/write_score_samples",
    }
    params = {
        **meta,
        "config": json.dumps(meta["config"]),
        "n_texts": result.n_texts,
        "n_videos": result.n_videos,
    }
    params.setdefault("n_texts_listed", result.n_texts)
    params.setdefault("n_videos_listed", result.n_videos)
    params.setdefault("label", None)
    with wh.transaction():
        eval_id = int(wh.sql("evals/insert", params).fetchone()[0])
        for name, table in tables.items():
            with registered(wh.con, name, table):
                wh.sql(writes[name], {"eval_id": eval_id})
        wh.sql("evals/write_query_results", {"eval_id": eval_id})
        wh.sql("evals/mark_query_results", {"eval_id": eval_id})
    return eval_id


def _const(value: str, n: int) -> pa.Array:
    return pa.array(np.full(n, value, dtype=object), pa.string())


def _take(ids: pa.Array, idx: np.ndarray) -> pa.Array:
    return ids.take(pa.array(np.asarray(idx, dtype=np.int64).ravel()))


def _ranks_table(result: SearchResult, captions: pa.Array, videos: pa.Array) -> pa.Table:
    n_t, n_q = result.n_texts, len(result.v2t_query)
    return pa.table(
        {
            "direction": pa.concat_arrays([_const("t2v", n_t), _const("v2t", n_q)]),
            "query_id": pa.concat_arrays([captions, _take(videos, result.v2t_query)]),
            "rank": np.concatenate([result.t2v_rank, result.v2t_rank]),
            "gt_score": np.concatenate([result.t2v_gt_score, result.v2t_gt_score]),
        }
    )


def _relevant_table(result: SearchResult, captions: pa.Array, videos: pa.Array) -> pa.Table:
    n_t = result.n_texts
    gt = np.empty(n_t, dtype=np.int64)
    gt[result.v2t_rel_caption] = result.v2t_rel_video
    return pa.table(
        {
            "direction": pa.concat_arrays([_const("t2v", n_t), _const("v2t", n_t)]),
            "query_id": pa.concat_arrays([captions, _take(videos, result.v2t_rel_video)]),
            "target_id": pa.concat_arrays(
                [_take(videos, gt), _take(captions, result.v2t_rel_caption)]
            ),
            "rank": np.concatenate([result.t2v_rank, result.v2t_rel_rank]),
        }
    )


def _neighbours_table(result: SearchResult, captions: pa.Array, videos: pa.Array) -> pa.Table:
    parts = []
    for direction, queries, targets, query_idx, top, score in (
        (
            "t2v",
            captions,
            videos,
            np.arange(result.n_texts),
            result.t2v_topk,
            result.t2v_topk_score,
        ),
        ("v2t", videos, captions, result.v2t_query, result.v2t_topk, result.v2t_topk_score),
    ):
        n, k = top.shape
        keep = top.ravel() >= 0  # an ANN answer may hold fewer than k neighbours
        parts.append(
            pa.table(
                {
                    "direction": _const(direction, int(keep.sum())),
                    "query_id": _take(queries, np.repeat(query_idx, k)[keep]),
                    "position": np.tile(np.arange(1, k + 1, dtype=np.int32), n)[keep],
                    "target_id": _take(targets, top.ravel()[keep]),
                    "score": score.ravel()[keep].astype(np.float64),
                }
            )
        )
    return pa.concat_tables(parts)


def _scores_table(result: SearchResult) -> pa.Table:
    matching = result.matching_scores
    other = result.nonmatching_scores
    return pa.table(
        {
            "matching": np.concatenate(
                [np.ones(len(matching), dtype=bool), np.zeros(len(other), dtype=bool)]
            ),
            "score": np.concatenate([matching, other]).astype(np.float64),
        }
    )
