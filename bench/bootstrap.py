"""Time to bootstrap every retrieval metric of a large evaluation in DuckDB (sql/stats/).

A fresh in-memory catalog gets a synthetic evaluation, built by SQL
(sql/stats/synthetic_eval.sql): --videos videos with --captions captions each, i.e.
videos * captions T2V queries (resampled by video) and videos V2T queries. Then
`bootstrap_intervals` with --b replicates, timed; and, with --compare, the paired
bootstrap and permutation test of the evaluation against a copy of itself.

    .venv/bin/python bench/bootstrap.py                       # 100k T2V queries, B = 1000
    .venv/bin/python bench/bootstrap.py --videos 2000 --b 200 # quicker
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.migrations import migrate
from vtr.warehouse.stats import bootstrap_intervals, compare_evals


def synthetic_eval(wh: Warehouse, n_videos: int, per_video: int) -> int:
    eval_id = wh.rows(
        "evals/insert",
        {
            "dataset": None,
            "split": None,
            "text_variant": None,
            "video_variant": None,
            "search": "exact",
            "k": 10,
            "n_texts": n_videos * per_video,
            "n_videos": n_videos,
            "config": None,
            "rerank": None,
            "uses_test_statistics": False,
            "ties": "pessimistic",
            "protocol": "vtr",
            "n_videos_listed": n_videos,
            "n_texts_listed": n_videos * per_video,
            "label": f"synthetic {n_videos}x{per_video}",
        },
    )[0]["eval_id"]
    wh.sql("stats/hash")
    wh.sql(
        "stats/synthetic_eval",
        {"eval_id": eval_id, "n_videos": n_videos, "per_video": per_video},
    )
    wh.sql("evals/mark_query_results", {"eval_id": eval_id})
    return eval_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=20_000)
    parser.add_argument("--captions", type=int, default=5, help="captions per video")
    parser.add_argument("--b", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--compare", action="store_true", help="also time vtr compare")
    args = parser.parse_args()

    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")
    migrate(con)
    wh = Warehouse(Path("."), con, False)
    start = time.perf_counter()
    eval_id = synthetic_eval(wh, args.videos, args.captions)
    built = time.perf_counter() - start
    start = time.perf_counter()
    result = bootstrap_intervals(wh, eval_id, b=args.b)
    seconds = time.perf_counter() - start
    report = {
        "t2v_queries": result["t2v"]["n_queries"],
        "t2v_units": result["t2v"]["n_units"],
        "v2t_queries": result["v2t"]["n_queries"],
        "b": args.b,
        "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
        "build_seconds": round(built, 2),
        "bootstrap_seconds": round(seconds, 2),
        "t2v_R@1": result["t2v"]["R@1"],
        "t2v_MedR": result["t2v"]["MedR"],
    }
    if args.compare:
        other = synthetic_eval(wh, args.videos, args.captions)
        start = time.perf_counter()
        compare_evals(wh, eval_id, other, b=args.b)
        report["compare_seconds"] = round(time.perf_counter() - start, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
