"""SQL metric views at scale: retrieval at 1M / 10M queries, moments and steps at 100k.

Builds each evaluation directly in a fresh catalog made by `init_warehouse` (synthetic rows
inserted with DuckDB's range() / random(), no Python loops), stores its per-query results the
way `vtr eval` does, then times the public views per grouping next to the plain aggregate over
`ranks` and prints the ratio. Usage:

    python bench/sql_metrics.py --queries 1000000,10000000 --moments 100000 --steps 100000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from vtr.warehouse import init_warehouse

CAPTIONS_PER_VIDEO = 20
CATEGORIES = 20

PLAIN = """
SELECT direction, count(*), 100 * avg(CAST(rank <= 1 AS DOUBLE)),
       100 * avg(CAST(rank <= 5 AS DOUBLE)), 100 * avg(CAST(rank <= 10 AS DOUBLE)),
       quantile_cont(rank, 0.5), avg(rank), avg(1 / rank)
FROM ranks WHERE eval_id = $eval_id GROUP BY direction
"""

BUILD = [
    # One dataset, CATEGORIES categories, n / CAPTIONS_PER_VIDEO videos of n captions.
    "INSERT INTO datasets (dataset, format) VALUES ('bench', 'synthetic')",
    "INSERT INTO categories SELECT 'bench', i, 'cat ' || i FROM range($cats) t(i)",
    """INSERT INTO videos (dataset, video_id, category_id, split)
       SELECT 'bench', 'v' || i, CAST(i % $cats AS INTEGER), 'test' FROM range($videos) t(i)""",
    """INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split)
       SELECT 'bench', 'c' || i, 'v' || (i // $per), 'text', CAST(1 + floor(random() * 30)
              AS INTEGER), 'test'
       FROM range($n) t(i)""",
    """INSERT INTO evals (eval_id, dataset, split, search, k, n_texts, n_videos,
                          query_results_stored)
       VALUES ($eval_id, 'bench', 'test', 'exact', 10, $n, $videos, false)""",
    # t2v: one relevant video per caption; v2t: CAPTIONS_PER_VIDEO relevant captions a video.
    """INSERT INTO ranks
       SELECT $eval_id, 't2v', 'c' || i, CAST(1 + floor(pow(random(), 3) * $videos) AS DOUBLE),
              random()
       FROM range($n) t(i)""",
    """INSERT INTO relevant_ranks
       SELECT eval_id, direction, query_id, 'v' || substr(query_id, 2)::BIGINT // $per, rank
       FROM ranks WHERE eval_id = $eval_id AND direction = 't2v'""",
    """INSERT INTO relevant_ranks
       SELECT $eval_id, 'v2t', 'v' || (i // $per), 'c' || i,
              CAST(1 + floor(pow(random(), 3) * $n) AS DOUBLE)
       FROM range($n) t(i)""",
    """INSERT INTO ranks
       SELECT eval_id, direction, query_id, min(rank), random()
       FROM relevant_ranks WHERE eval_id = $eval_id AND direction = 'v2t'
       GROUP BY eval_id, direction, query_id""",
]


def timed(con, sql: str, params: dict) -> tuple[float, list]:
    start = time.perf_counter()
    rows = con.execute(sql, params).fetchall()
    return time.perf_counter() - start, rows


def bench_retrieval(root: Path, n: int, threads: int | None, memory: str) -> None:
    shutil.rmtree(root, ignore_errors=True)
    wh = init_warehouse(root)
    con = wh.con
    con.execute(f"SET memory_limit = '{memory}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    params = {"eval_id": 1}
    build = {
        "n": n,
        "videos": n // CAPTIONS_PER_VIDEO,
        "per": CAPTIONS_PER_VIDEO,
        "cats": CATEGORIES,
        "eval_id": 1,
    }
    start = time.perf_counter()
    for sql in BUILD:
        con.execute(sql, {k: v for k, v in build.items() if f"${k}" in sql})
    built = time.perf_counter() - start
    start = time.perf_counter()
    wh.sql("evals/write_query_results", params)
    wh.sql("evals/mark_query_results", params)
    stored = time.perf_counter() - start
    print(f"\n## retrieval, {n:,} t2v queries ({n // CAPTIONS_PER_VIDEO:,} videos)")
    print(f"build {built:.1f} s, store per-query results {stored:.1f} s")
    con.execute(PLAIN, params).fetchall()  # warm
    plain, _ = timed(con, PLAIN, params)
    print(f"plain aggregate over ranks: {plain:.3f} s")
    print("| grouping | rows | time (s) | ratio to plain |")
    print("|---|---:|---:|---:|")
    view = "SELECT * FROM retrieval_metrics WHERE eval_id = $eval_id AND grouping = $g"
    for grouping in ("all", "category", "length"):
        seconds, rows = timed(con, view, {**params, "g": grouping})
        print(f"| {grouping} | {len(rows)} | {seconds:.3f} | {seconds / plain:.1f}x |")
    wh.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default="1000000,10000000", help="retrieval sizes")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--memory-limit", default="8GB", help="DuckDB memory_limit")
    parser.add_argument("--dir", default=None, help="scratch folder (default: a temp dir)")
    args = parser.parse_args()
    base = Path(args.dir or tempfile.mkdtemp(prefix="vtr-sql-bench-"))
    for n in [int(x) for x in args.queries.split(",") if x.strip()]:
        bench_retrieval(base / f"retrieval-{n}", n, args.threads, args.memory_limit)
        shutil.rmtree(base / f"retrieval-{n}", ignore_errors=True)


if __name__ == "__main__":
    main()
