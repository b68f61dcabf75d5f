"""What holding the catalog only per transaction costs, and what readers cost an ingest.

1. Added latency: a catalog transaction on a connection that is opened for it and
   closed after (what a released `Warehouse` does at each commit) vs the same
   transaction on a connection kept open (what every command did before), read-only
   and read-write; and the wall time of `vtr evals`, `vtr variants` and `vtr runs`
   as processes.
2. Ingest throughput: a real `vtr ingest` process (tiny random backbone, CPU) of a
   synthetic corpus alone, and then (a fresh warehouse, same corpus) with 4 reader
   processes that each open the catalog read-only every second, list the runs and
   close it. Prints videos/s of both, their ratio, and how long the readers' opens
   took (they wait while the ingest commits).

    python bench/catalog_concurrency.py                  # 24 videos, commit every 2
    python bench/catalog_concurrency.py --videos 64 --commit-every 8 --repeat 200
    python bench/catalog_concurrency.py --before ../vtr-before   # command times, then and now

Run it from the repository root (the child processes import vtr from there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

TINY = "open_clip:vtr-tiny-vit:random"
VTR = [sys.executable, "-c", "from vtr.cli import main; main()"]
READER = r"""
import json, sys, time
from vtr.warehouse import open_warehouse
from vtr.warehouse.runs import list_runs
root, stop = sys.argv[1], sys.argv[2]
opens = []
while True:
    started = time.perf_counter()
    with open_warehouse(root, read_only=True, wait=600) as wh:
        list_runs(wh)
    opens.append(time.perf_counter() - started)
    try:
        open(stop).close()
        break
    except FileNotFoundError:
        time.sleep(1.0)
print(json.dumps(opens))
"""


def per_transaction(catalog: Path, repeat: int, read_only: bool) -> tuple[float, float]:
    """(ms per query on one kept connection, ms per open + query + close)."""
    sql = "SELECT count(*) FROM runs" if read_only else "UPDATE runs SET pid = pid"
    con = duckdb.connect(str(catalog), read_only=read_only)
    started = time.perf_counter()
    for _ in range(repeat):
        con.execute("BEGIN TRANSACTION")
        con.execute(sql).fetchall()
        con.execute("COMMIT")
    kept = (time.perf_counter() - started) / repeat
    con.close()
    started = time.perf_counter()
    for _ in range(repeat):
        con = duckdb.connect(str(catalog), read_only=read_only)
        con.execute("BEGIN TRANSACTION")
        con.execute(sql).fetchall()
        con.execute("COMMIT")
        con.close()
    reopened = (time.perf_counter() - started) / repeat
    return kept * 1000, reopened * 1000


def command_seconds(argv: list[str], before: Path | None = None, runs: int = 3) -> float:
    """Median wall time of `vtr *argv` as a process; with `before`, run by the vtr of that
    checkout (its .venv's python, imported from its root, without PYTHONPATH)."""
    env, vtr = None, VTR
    if before is not None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        python = before / ".venv" / "bin" / "python"
        vtr = [str(python) if python.is_file() else sys.executable, *VTR[1:]]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([*vtr, *argv], capture_output=True, text=True, cwd=before, env=env)
        if done.returncode:
            raise SystemExit(f"vtr {' '.join(argv)} failed: {done.stderr[-2000:]}")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fresh_warehouse(root: Path, corpus: Path) -> None:
    from vtr.ingest.datasets import register_dataset
    from vtr.warehouse import init_warehouse

    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", corpus, corpus.parent / "videos")


def timed_ingest(root: Path, commit_every: int, readers: int, tmp: Path) -> tuple[float, list]:
    """(ingest wall seconds, every reader's open times) with `readers` polling."""
    stop = tmp / f"stop-{readers}"
    polling = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(root), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # each wait's notice
        )
        for _ in range(readers)
    ]
    argv = [
        "ingest", str(root), "--dataset", "synth", "--video-backbone", TINY, "--frames", "4",
        "--batch-size", "2", "--workers", "0", "--device", "cpu",
        "--commit-every", str(commit_every),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run([*VTR, "--wait", "600", *argv], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    stop.touch()
    opens = [t for proc in polling for t in json.loads(proc.communicate()[0])]
    return seconds, opens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=24)
    parser.add_argument("--commit-every", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=100, help="transactions timed")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of an earlier vtr (e.g. `git worktree add ../before HEAD~5`): "
        "its command times are printed beside this one's",
    )
    args = parser.parse_args()

    from vtr.ingest.synthetic import generate_retrieval_corpus

    with tempfile.TemporaryDirectory(prefix="vtr-bench-") as folder:
        tmp = Path(folder)
        corpus = generate_retrieval_corpus(tmp / "corpus", n_videos=args.videos, seed=1)
        base = tmp / "base"
        fresh_warehouse(base, corpus)
        print("1. added latency of a connection per transaction")
        for read_only in (True, False):
            kept, reopened = per_transaction(base / "catalog.duckdb", args.repeat, read_only)
            mode = "read-only " if read_only else "read-write"
            print(
                f"   {mode}: kept connection {kept:.2f} ms, open+close per transaction "
                f"{reopened:.2f} ms: +{reopened - kept:.2f} ms ({reopened / kept:.1f}x)"
            )
        for command in ("evals", "variants", "runs"):
            seconds = command_seconds([command, str(base)])
            line = f"   vtr {command}: {seconds:.2f} s per process (median of 3)"
            if args.before:
                earlier = command_seconds([command, str(base)], args.before)
                line += f"; before: {earlier:.2f} s, ratio {seconds / earlier:.2f}"
            print(line)

        print(f"2. ingest of {args.videos} videos, commit every {args.commit_every}")
        fresh_warehouse(tmp / "alone", corpus)
        alone, _ = timed_ingest(tmp / "alone", args.commit_every, 0, tmp)
        fresh_warehouse(tmp / "read", corpus)
        beside, opens = timed_ingest(tmp / "read", args.commit_every, 4, tmp)
        rate_alone, rate_beside = args.videos / alone, args.videos / beside
        print(f"   alone: {alone:.1f} s, {rate_alone:.2f} videos/s")
        print(f"   4 readers polling every second: {beside:.1f} s, {rate_beside:.2f} videos/s")
        print(f"   throughput ratio (with readers / alone): {rate_beside / rate_alone:.2f}")
        if opens:
            opens_ms = sorted(t * 1000 for t in opens)
            print(
                f"   reader opens: {len(opens_ms)}, median {statistics.median(opens_ms):.0f} ms, "
                f"max {opens_ms[-1]:.0f} ms (waits included)"
            )


if __name__ == "__main__":
    main()
