"""Time and peak memory of exact chunked search vs a plain full-matrix numpy evaluation.

Each method runs in its own subprocess so that its peak resident memory
(ru_maxrss) is its own. The peak is reported as the growth over the process's
peak right after the embeddings were made, i.e. the memory the search itself
needed. The plain baseline is the usual one-off eval script: one full
n_texts x n_videos matmul, then argsort of every row (t2v) and every column (v2t).

    .venv/bin/python bench/eval_memory.py            # 10k x 10k, dim 512
    .venv/bin/python bench/eval_memory.py --n 2000   # quicker
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _embeddings(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    videos = rng.standard_normal((n, dim), dtype=np.float32)
    texts = videos + rng.standard_normal((n, dim), dtype=np.float32) * np.float32(8.0)
    return texts, videos


def _plain_numpy(texts: np.ndarray, videos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = texts / np.linalg.norm(texts, axis=1, keepdims=True)
    v = videos / np.linalg.norm(videos, axis=1, keepdims=True)
    sim = t @ v.T
    gt = np.arange(len(t))
    order = np.argsort(-sim, axis=1)
    t2v = np.flatnonzero(order == gt[:, None]) % sim.shape[1] + 1
    del order
    order = np.argsort(-sim.T, axis=1)
    v2t = np.flatnonzero(order == gt[:, None]) % sim.shape[0] + 1
    return t2v, v2t


def _chunked(texts: np.ndarray, videos: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    from vtr.warehouse.search import search

    result = search(texts, videos, np.arange(len(texts)), k=10, chunk=chunk)
    return result.t2v_rank, result.v2t_rank


def _worker(method: str, n: int, dim: int, chunk: int) -> None:
    texts, videos = _embeddings(n, dim)
    if method == "chunked":
        import vtr.warehouse.search  # noqa: F401  (import cost is not search memory)
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if method == "chunked":
        t2v, v2t = _chunked(texts, videos, chunk)
    else:
        t2v, v2t = _plain_numpy(texts, videos)
    seconds = time.perf_counter() - start
    after_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "method": method,
                "seconds": seconds,
                "peak_growth_mib": (after_kib - before_kib) / 1024,
                "peak_mib": after_kib / 1024,
                "t2v_ranks": t2v.tolist(),
                "v2t_ranks": v2t.tolist(),
            }
        )
    )


def _run(method: str, n: int, dim: int, chunk: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--n", str(n), "--dim", str(dim)]
    cmd += ["--chunk", str(chunk)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _differing(a: dict, b: dict) -> int:
    return sum(
        int(np.count_nonzero(np.array(a[key]) != np.array(b[key])))
        for key in ("t2v_ranks", "v2t_ranks")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="texts = videos (one caption each)")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--chunks", default="1024,256", help="chunk sizes to try, comma-separated")
    parser.add_argument("--worker", choices=["chunked", "numpy"], help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, default=1024, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.n, args.dim, args.chunk)
        return

    full_mib = args.n * args.n * 4 / 2**20
    print(f"exact search, {args.n} texts x {args.n} videos, dim {args.dim}, float32")
    print(f"one full similarity matrix: {full_mib:.0f} MiB")
    plain = _run("numpy", args.n, args.dim, 0)
    rows = [("numpy matmul + argsort (t2v and v2t)", plain)]
    for chunk in (int(c) for c in args.chunks.split(",")):
        rows.append((f"vtr search, chunk {chunk}", _run("chunked", args.n, args.dim, chunk)))
    print(f"{'method':<38} {'seconds':>8} {'peak growth MiB':>16} {'process peak MiB':>17}")
    for label, row in rows:
        print(
            f"{label:<38} {row['seconds']:>8.2f} {row['peak_growth_mib']:>16.0f} "
            f"{row['peak_mib']:>17.0f}"
        )
    print("(vtr search also computes the v2t relevant-caption ranks and top-10 neighbours)")
    for label, row in rows[1:]:
        print(
            f"{label}: time {row['seconds'] / plain['seconds']:.2f}x numpy, peak growth "
            f"{plain['peak_growth_mib'] / max(row['peak_growth_mib'], 1e-9):.1f}x smaller, "
            f"{_differing(row, plain)} of {2 * args.n} ranks differ from numpy"
        )
    t2v = np.array(rows[1][1]["t2v_ranks"])
    print(f"t2v R@1 {100 * np.mean(t2v <= 1):.2f}, MedR {np.median(t2v):.1f}")
    _explain_differences(rows[1][1], plain, args.n, args.dim)


def _explain_differences(chunked: dict, plain: dict, n: int, dim: int) -> None:
    """Recompute, in float64, the ranks on which the two float32 methods disagree."""
    texts, videos = _embeddings(n, dim)
    t = texts.astype(np.float64) / np.linalg.norm(texts.astype(np.float64), axis=1, keepdims=True)
    v = videos.astype(np.float64) / np.linalg.norm(videos.astype(np.float64), axis=1, keepdims=True)
    for key in ("t2v_ranks", "v2t_ranks"):
        a, b = np.array(chunked[key]), np.array(plain[key])
        for i in np.flatnonzero(a != b):
            scores = v @ t[i] if key == "t2v_ranks" else t @ v[i]
            gap = np.sort(np.abs(scores - scores[i]))[1]
            exact = 1 + int(np.count_nonzero(scores > scores[i]))
            print(
                f"{key[:3]} query {i}: vtr {a[i]}, numpy {b[i]}, float64 rank {exact}; "
                f"nearest other score is {gap:.1e} away"
                + (" (a float32 near-tie)" if gap < 1e-6 else " (NOT a near-tie: a bug)")
            )


if __name__ == "__main__":
    main()
