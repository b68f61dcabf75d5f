"""What a low `--commit-every K` costs: ingest time at several K against the default 256.

Every commit is one Lance Append per variant table plus one DuckDB transaction of done
marks; a low K bounds the work a killed ingest redoes, at the price of more commits.
Same synthetic videos, same backbone (loaded once beforehand), a fresh warehouse per
run, the values of K rotating, the median of `--repeats` reported: wall time and
the process's CPU time (all threads), which a shared machine disturbs less.

    .venv/bin/python bench/ingest_commit.py [--videos 32] [--every 2,8,32,256]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from vtr.ingest.backbones import load_video_encoder
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.synthetic import generate_retrieval_corpus
from vtr.warehouse import init_warehouse
from vtr.warehouse.variants import list_variants


def _run(root: Path, annotations: Path, every: int, args) -> tuple[float, float, int]:
    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", annotations, annotations.parent / "videos")
        start, cpu = time.perf_counter(), time.process_time()
        ingest(
            wh, "synth", [args.backbone], [], frames=args.frames, batch_size=args.batch_size,
            workers=0, layers=args.layers, poolings="first,mean", commit_every=every,
            show_progress=False,
        )  # fmt: skip
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        table = list_variants(wh)[0]["lance_table"]
        commits = len(wh.vectors.db.open_table(table).to_lance().versions())
    return wall, cpu, commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="open_clip:vtr-tiny-vit:random")
    parser.add_argument("--layers", default="-1")
    parser.add_argument("--videos", type=int, default=32)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--every", default="2,8,32,256")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    values = [int(k) for k in args.every.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        annotations = generate_retrieval_corpus(tmp / "corpus", args.videos, seed=0)
        load_video_encoder(args.backbone, "cpu", 0)  # imports and first-load costs, once
        runs: dict[int, list[tuple[float, float, int]]] = {k: [] for k in values}
        for repeat in range(args.repeats):
            for k in values[repeat % len(values) :] + values[: repeat % len(values)]:
                runs[k].append(_run(tmp / f"wh-{k}-{repeat}", annotations, k, args))
    base = values[-1]
    base_wall = statistics.median(r[0] for r in runs[base])
    base_cpu = statistics.median(r[1] for r in runs[base])
    for k in values:
        wall = statistics.median(r[0] for r in runs[k])
        cpu = statistics.median(r[1] for r in runs[k])
        print(
            f"commit every {k:>4}: {runs[k][0][2]:>3} commits, wall {wall:.2f} s "
            f"({wall / base_wall:.2f}x of K={base}), CPU {cpu:.2f} s ({cpu / base_cpu:.2f}x)"
            f"  [{args.backbone}, {args.videos} videos, layers {args.layers} x first,mean, "
            f"batch {args.batch_size}, median of {args.repeats}]"
        )


if __name__ == "__main__":
    main()
