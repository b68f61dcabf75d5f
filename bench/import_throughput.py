"""`vtr import` throughput: per-item .npy files and one large parquet table.

Writes N per-item `<video_id>.npy` files and an R-row parquet (id, fixed-size list
vector) of dim D for a registered dataset of that many videos, then imports each in
a fresh spawned process (Lance must not run in a forked child) and reports items/s
and that process's peak RSS (VmHWM), with the RSS it had before the import, so
the import's own share shows.

    .venv/bin/python bench/import_throughput.py [--files 10000] [--rows 1000000] [--dim 512]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def _annotations(path: Path, n: int) -> Path:
    videos = [{"video_id": f"video{i}", "split": "test"} for i in range(n)]
    path.write_text(json.dumps({"videos": videos, "sentences": []}))
    return path


def _rss_mib() -> float:
    """This process's peak RSS in MiB: VmHWM, which starts afresh at exec. (ru_maxrss
    keeps the peak of the process before exec, i.e. of the bench's parent, on Linux.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import(root: str, source: str, fmt: str, out) -> None:
    from vtr.ingest.importers.run import import_embeddings
    from vtr.warehouse import open_warehouse

    before = _rss_mib()
    start = time.perf_counter()
    with open_warehouse(root) as wh:
        result = import_embeddings(wh, "bench", "video", [Path(source)], fmt, backbone=fmt)
    wall = time.perf_counter() - start
    out.put({"written": result.written, "wall_s": wall, "rss_before_mib": before,
             "peak_rss_mib": _rss_mib()})  # fmt: skip


def _run(root: Path, source: Path, fmt: str) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_import, args=(str(root), str(source), fmt, queue))
    child.start()
    result = queue.get()
    child.join()
    result["items_per_s"] = result["written"] / result["wall_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--dir", type=Path, default=None, help="Work folder (default: a temp one).")
    args = parser.parse_args()
    from vtr.ingest.datasets import register_dataset
    from vtr.warehouse import init_warehouse

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp = Path(tmp)
        rng = np.random.default_rng(0)
        n = max(args.files, args.rows)
        with init_warehouse(tmp / "wh") as wh:
            register_dataset(wh, "bench", _annotations(tmp / "ann.json", n), None)
        results = {}
        if args.files:
            folder = tmp / "npy"
            folder.mkdir()
            for i in range(args.files):
                np.save(folder / f"video{i}.npy", rng.standard_normal(args.dim, dtype=np.float32))
            results[f"npy: {args.files} files"] = _run(tmp / "wh", folder, "npy")
        if args.rows:
            path = tmp / "vectors.parquet"
            writer = None
            for start in range(0, args.rows, 100_000):
                stop = min(start + 100_000, args.rows)
                matrix = rng.standard_normal((stop - start, args.dim), dtype=np.float32)
                vectors = pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), args.dim)
                ids = pa.array([f"video{i}" for i in range(start, stop)])
                batch = pa.table({"id": ids, "vector": vectors})
                writer = writer or pq.ParquetWriter(path, batch.schema)
                writer.write_table(batch)
            writer.close()
            size = path.stat().st_size / 2**20
            results[f"parquet: {args.rows} rows, {size:.0f} MiB"] = _run(
                tmp / "wh", path, "parquet"
            )
    print(f"dim {args.dim}")
    for name, r in results.items():
        print(
            f"{name}: {r['items_per_s']:,.0f} items/s ({r['written']} in {r['wall_s']:.1f} s), "
            f"peak RSS {r['peak_rss_mib']:,.0f} MiB (before import {r['rss_before_mib']:,.0f})"
        )


if __name__ == "__main__":
    main()
