"""The data of each page, read from the catalog by named SQL files (`sql/serve/`).

Every function takes an open read-only `Warehouse` and returns plain dicts and lists:
the HTML template renders them and the page's JSON endpoint returns them as they are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from vtr.errors import UnknownEval, UnknownItem
from vtr.warehouse.catalog import Warehouse

DIRECTIONS = ("t2v", "v2t")
ORDERS = ("best", "worst")
CASES = 3  # best and worst cases shown above the query table


@dataclass
class QueryFilters:
    direction: str = "t2v"
    category_id: int | None = None
    min_words: int | None = None
    max_words: int | None = None
    min_rank: float | None = None
    max_rank: float | None = None
    order: str = "best"
    limit: int = 20
    offset: int = 0


def clean(value: Any) -> Any:
    """NaN and infinities as None, recursively: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def home(wh: Warehouse) -> dict[str, Any]:
    return {
        "datasets": wh.rows("serve/datasets"),
        "variants": wh.rows("serve/variants"),
        "evals": wh.rows("serve/evals"),
    }


def eval_header(wh: Warehouse, eval_id: int) -> dict[str, Any]:
    rows = wh.rows("serve/eval", {"eval_id": eval_id})
    if not rows:
        raise UnknownEval(f"no evaluation {eval_id} in this warehouse")
    return rows[0]


def evaluation(wh: Warehouse, eval_id: int, f: QueryFilters) -> dict[str, Any]:
    """Setup, metrics with breakdowns, best and worst cases, and one filtered page of
    queries, each with its stored top-k neighbours."""
    header = eval_header(wh, eval_id)
    metrics = wh.rows("serve/eval_metrics", {"eval_id": eval_id})
    params = {
        "eval_id": eval_id,
        "direction": f.direction,
        "category_id": f.category_id,
        "min_words": f.min_words,
        "max_words": f.max_words,
        "min_rank": f.min_rank,
        "max_rank": f.max_rank,
        "worst": f.order == "worst",
        "limit": f.limit,
        "offset": f.offset,
    }
    queries = wh.rows("serve/eval_queries", params)
    unfiltered = {**params, "category_id": None, "min_words": None, "max_words": None}
    unfiltered |= {"min_rank": None, "max_rank": None, "limit": CASES, "offset": 0}
    best = wh.rows("serve/eval_queries", {**unfiltered, "worst": False})
    worst = wh.rows("serve/eval_queries", {**unfiltered, "worst": True})
    with_neighbours(wh, eval_id, f.direction, [*queries, *best, *worst])
    return {
        "eval": header,
        "metrics": [m for m in metrics if m["grouping"] == "all"],
        "by_category": [m for m in metrics if m["grouping"] == "category"],
        "by_length": [m for m in metrics if m["grouping"] == "length"],
        "categories": wh.rows("serve/eval_categories", {"eval_id": eval_id}),
        "filters": asdict(f),
        "n_matching": queries[0]["n_matching"] if queries else 0,
        "queries": queries,
        "best": best,
        "worst": worst,
    }


def with_neighbours(wh: Warehouse, eval_id: int, direction: str, queries: list[dict]) -> None:
    """Attach to each query row its stored top-k (`top`), in rank order."""
    ids = sorted({q["query_id"] for q in queries})
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        params = {"eval_id": eval_id, "direction": direction, "query_ids": ids}
        for row in wh.rows("serve/neighbours", params):
            found[row["query_id"]].append(row)
    for query in queries:
        query["top"] = found.get(query["query_id"], [])


def compare(wh: Warehouse, eval_a: int, eval_b: int, direction: str, n: int) -> dict[str, Any]:
    """The queries whose rank moved most between two evaluations, both ways, with both
    top-k lists."""
    a, b = eval_header(wh, eval_a), eval_header(wh, eval_b)
    metrics = {
        side: [
            m
            for m in wh.rows("serve/eval_metrics", {"eval_id": eid})
            if m["grouping"] == "all" and m["direction"] == direction
        ]
        for side, eid in (("a", eval_a), ("b", eval_b))
    }
    params = {"eval_a": eval_a, "eval_b": eval_b, "direction": direction, "n": n}
    moves = wh.rows("serve/compare", params)
    top_a = [dict(m) for m in moves]
    top_b = [dict(m) for m in moves]
    with_neighbours(wh, eval_a, direction, top_a)
    with_neighbours(wh, eval_b, direction, top_b)
    for move, row_a, row_b in zip(moves, top_a, top_b, strict=True):
        move["top_a"], move["top_b"] = row_a["top"], row_b["top"]
    return {
        "a": a,
        "b": b,
        "direction": direction,
        "metrics_a": metrics["a"],
        "metrics_b": metrics["b"],
        "same_dataset": a["dataset"] == b["dataset"],
        "improved": [m for m in moves if m["kind"] == "improved"],
        "worse": [m for m in moves if m["kind"] == "worse"],
    }


def video(wh: Warehouse, dataset: str, video_id: str) -> dict[str, Any]:
    """One video: its metadata and its captions, each with its rank in every evaluation."""
    rows = wh.rows("serve/video", {"dataset": dataset, "video_id": video_id})
    if not rows:
        raise UnknownItem(f"no video {video_id!r} in dataset {dataset!r}")
    captions: dict[str, dict[str, Any]] = {}
    for row in wh.rows("serve/video_captions", {"dataset": dataset, "video_id": video_id}):
        caption = captions.setdefault(
            row["caption_id"],
            {k: row[k] for k in ("caption_id", "text", "n_words", "split")} | {"ranks": []},
        )
        if row["eval_id"] is not None:
            caption["ranks"].append({"eval_id": row["eval_id"], "rank": row["rank"]})
    return {"video": rows[0], "captions": list(captions.values())}


def video_path(wh: Warehouse, dataset: str, video_id: str) -> str:
    """The video's file as the catalog records it; UnknownItem when there is none."""
    rows = wh.rows("serve/video_path", {"dataset": dataset, "video_id": video_id})
    if not rows or not rows[0]["path"]:
        raise UnknownItem(f"no video file recorded for {video_id!r} in dataset {dataset!r}")
    return rows[0]["path"]
