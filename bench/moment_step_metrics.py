"""Moment and step metrics at scale: the SQL of `vtr metrics moments` / `steps` on N
synthetic queries built directly in a catalog (DuckDB range()/random(), no Python loops).

Moments: QVHighlights-shaped queries (150 s videos, 75 clips of 2 s, 1-3 relevant
windows, saliency of 3 annotators on 10 clips), 10 predicted windows and 75 predicted
saliency scores per query; timed: `moment_metrics` (MR buckets x 10 thresholds, HL).
Steps: one annotated window and 5 predicted windows per step; timed: `step_metrics`.

    .venv/bin/python bench/moment_step_metrics.py [--queries 10000,100000] [--threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

BUILD_MOMENTS = """
SELECT setseed(0.42);
INSERT INTO moment_queries SELECT 'b', i, 'query ' || i, 'v' || i, 150.0, 'val' FROM range($n) t(i);
INSERT INTO moment_windows
SELECT 'b', i, w, s, least(150.0, s + 2 + floor(random() * 20) * 2)
FROM (SELECT i, w, floor(random() * 60) * 2 AS s
      FROM range($n) t(i), range(1 + CAST(i % 3 AS BIGINT)) u(w));
INSERT INTO moment_saliency
SELECT 'b', i, c, a, CAST(floor(random() * 5) AS INTEGER)
FROM range($n) t(i), range(10) u(c), range(3) v(a);
INSERT INTO moment_predictions (pred_id, dataset, source) VALUES (1, 'b', 'bench');
INSERT INTO moment_pred_windows
SELECT 1, i, r, s, least(150.0, s + 2 + floor(random() * 20) * 2), 1.0 - r / 10.0
FROM (SELECT i, r, floor(random() * 60) * 2 AS s FROM range($n) t(i), range(10) u(r));
INSERT INTO moment_pred_saliency SELECT 1, i, c, random() FROM range($n) t(i), range(75) u(c);
"""


def _time(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_moments(root: Path, n: int, threads: int) -> dict:
    from vtr.warehouse import init_warehouse
    from vtr.warehouse.moment_evals import moment_metrics

    with init_warehouse(root / f"m{n}") as wh:
        wh.con.execute(f"SET threads = {threads}")
        build, _ = _time(lambda: [wh.con.execute(s.replace("$n", str(n))) for s in
                                  BUILD_MOMENTS.split(";") if s.strip()])  # fmt: skip
        seconds, metrics = _time(lambda: moment_metrics(wh, "b", 1, 2.0))
    return {"build_s": build, "metrics_s": seconds, "full_mAP": metrics["brief"]["MR-full-mAP"]}


def bench_steps(n: int) -> dict:
    import numpy as np
    import pyarrow as pa

    from vtr.warehouse.step_evals import PREDICTION_SCHEMA, step_metrics

    rng = np.random.default_rng(0)
    start = rng.uniform(0, 500, n)
    truth = pa.table({"qid": pa.array(np.arange(n).astype(str)), "start_s": start,
                      "end_s": start + rng.uniform(2, 60, n)})  # fmt: skip
    s = rng.uniform(0, 500, (n, 5))
    preds = pa.table(
        {"qid": pa.array(np.repeat(np.arange(n), 5).astype(str)),
         "rank": pa.array(np.tile(np.arange(5), n).astype(np.int32)),
         "start_s": s.ravel(), "end_s": (s + rng.uniform(2, 60, (n, 5))).ravel(),
         "score": np.ones(5 * n)},
        schema=PREDICTION_SCHEMA,
    )  # fmt: skip
    seconds, metrics = _time(lambda: step_metrics(truth, preds))
    return {"metrics_s": seconds, "R1@0.3": metrics["R1@0.3"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default="10000,100000")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(x) for x in args.queries.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            m = bench_moments(Path(tmp), n, args.threads)
            line = f"moments {n:,} queries: metrics {m['metrics_s']:.2f} s "
            print(line + f"(build {m['build_s']:.1f} s; MR-full-mAP {m['full_mAP']:.2f})")
    for n in sizes:
        s = bench_steps(n)
        print(f"steps {n:,} steps: metrics {s['metrics_s']:.2f} s (R1@0.3 {s['R1@0.3']:.2f})")


if __name__ == "__main__":
    main()
