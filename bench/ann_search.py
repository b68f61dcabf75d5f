"""ANN vs exact search on a large gallery, through the warehouse's own index and search.

Builds a warehouse with one video variant of N clustered unit vectors (dim D; real
embeddings are clustered, uniform random vectors have no neighbourhoods to find),
indexes it with `vtr.warehouse.ann.build_index`, answers Q queries (noisy copies of
gallery vectors) with `ann_search`, and compares with exact top-10 by a chunked numpy
matmul. Prints recall@10, the time per query of each, and the speed-up, for each
--nprobes given; ANN answers all queries in one `ann_search` call (batches of
QUERY_BATCH), and also one call per query for the first ALONE queries.

    python bench/ann_search.py                 # 1M x 512, 1000 queries (several minutes)
    python bench/ann_search.py --rows 100000   # quicker
    python bench/ann_search.py --nprobes 5,10,20 --type IVF_HNSW_SQ
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from vtr.warehouse import init_warehouse
from vtr.warehouse.ann import AnnParams, ann_search, build_index, get_index
from vtr.warehouse.variants import Variant, register_variant

VIDEO = Variant("video", "bench:clustered", temporal="mean", frames=1)
K = 10
ALONE = 100  # queries also timed one ann_search call each


def clustered(rng: np.random.Generator, n: int, dim: int, clusters: int) -> np.ndarray:
    centers = rng.normal(size=(clusters, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for a in range(0, n, 100_000):
        b = min(a + 100_000, n)
        x = centers[rng.integers(0, clusters, b - a)]
        x += 0.8 * rng.normal(size=(b - a, dim)).astype(np.float32)
        out[a:b] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def exact_top10(gallery: np.ndarray, queries: np.ndarray, chunk: int = 100) -> np.ndarray:
    top = np.empty((len(queries), K), dtype=np.int64)
    for a in range(0, len(queries), chunk):
        s = queries[a : a + chunk] @ gallery.T
        top[a : a + chunk] = np.argpartition(-s, K, axis=1)[:, :K]
    return top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--nprobes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[AnnParams.nprobes],
        help="IVF partitions searched; several, comma-separated, share one index build",
    )
    parser.add_argument(
        "--refine-factor", type=int, default=None, help="default: by index type, 0: off"
    )
    parser.add_argument("--type", default="IVF_FLAT")
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2, help="rounds; each keeps its best")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    gallery = clustered(rng, args.rows, args.dim, clusters=max(10, args.rows // 500))
    pick = rng.choice(args.rows, args.queries, replace=False)
    queries = gallery[pick] + 0.02 * rng.normal(size=(args.queries, args.dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    ids = [f"v{i}" for i in range(args.rows)]

    with tempfile.TemporaryDirectory() as tmp, init_warehouse(Path(tmp) / "wh") as wh:
        register_variant(wh, VIDEO, args.dim)
        started = time.perf_counter()
        for a in range(0, args.rows, 100_000):
            wh.vectors.append(
                VIDEO.lance_table, "bench", ids[a : a + 100_000], gallery[a : a + 100_000]
            )
        write_s = time.perf_counter() - started
        build_index(wh, VIDEO.id, index_type=args.type, num_partitions=args.partitions)
        index = get_index(wh, VIDEO.id)
        variant = {
            "lance_table": VIDEO.lance_table,
            "index_type": index["index_type"],
            "index_params": index["params"],
        }
        found: dict[int, list[list[str]]] = {}
        # rounds alternate ANN and exact, each keeps its fastest round: the machine is shared
        ann_s = {n: np.inf for n in args.nprobes}
        alone_s = {n: np.inf for n in args.nprobes}
        exact_s = np.inf
        for _ in range(args.repeats):
            for nprobes in args.nprobes:
                params = AnnParams(nprobes=nprobes, refine_factor=args.refine_factor)
                ann_search(wh, variant, "bench", queries[:10], K, params)  # warm the index
                started = time.perf_counter()
                found[nprobes], _ = ann_search(wh, variant, "bench", queries, K, params)
                ann_s[nprobes] = min(ann_s[nprobes], time.perf_counter() - started)
                started = time.perf_counter()
                for query in queries[:ALONE]:
                    ann_search(wh, variant, "bench", query[None], K, params)
                alone_s[nprobes] = min(alone_s[nprobes], time.perf_counter() - started)
            started = time.perf_counter()
            exact = exact_top10(gallery, queries)
            exact_s = min(exact_s, time.perf_counter() - started)

    position = {f"v{i}": i for i in range(args.rows)}
    refine = AnnParams(refine_factor=args.refine_factor).refine_for(args.type)
    print(
        f"gallery {args.rows:,} x {args.dim}, {args.queries} queries, {args.type}, "
        f"refine {refine or 'off'}, best of {args.repeats} rounds"
    )
    print(f"write {write_s:.1f} s, index build {index['params']}")
    exact_ms = 1e3 * exact_s / args.queries
    print(f"exact (numpy matmul + argpartition): {exact_ms:.2f} ms/query")
    for nprobes in args.nprobes:
        hits = sum(
            len({position[f] for f in got} & set(want))
            for got, want in zip(found[nprobes], exact, strict=True)
        )
        ms, alone_ms = 1e3 * ann_s[nprobes] / args.queries, 1e3 * alone_s[nprobes] / ALONE
        print(
            f"ann nprobes {nprobes:>3}: {ms:.2f} ms/query ({exact_ms / ms:.1f}x), "
            f"recall@10 {hits / (K * args.queries):.4f}; one call per query: "
            f"{alone_ms:.2f} ms ({exact_ms / alone_ms:.1f}x)"
        )


if __name__ == "__main__":
    main()
