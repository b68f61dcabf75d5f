"""Uncertainty of retrieval metrics, computed in DuckDB from the per-query rows.

* `bootstrap_intervals`: percentile bootstrap intervals of every retrieval metric of one
  evaluation. T2V captions are resampled by video (cluster bootstrap): the captions of
  one video are not independent, so drawing them one by one understates the variance.
* `compare_evals`: two evaluations of the same queries; per metric, the paired bootstrap
  interval of the difference B - A and the approximate randomisation (permutation)
  p-value, with Holm-adjusted p-values over all the metrics compared.

Every draw is a seeded integer hash (sql/stats/hash.sql), so the same seed gives the same
intervals, in SQL and in a plain numpy implementation of the same hash (tests/test_stats.py).
"""

from __future__ import annotations

from typing import Any

from vtr.errors import EvalInputError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.evals import get_eval, retrieval_metrics
from vtr.warehouse.metric_defs import DIRECTIONS, metric_names

GROUPINGS = ("all", "category", "length")
MAX_SEED = 2**32
BATCH_ROWS = 4_000_000  # weighted query rows per batch of replicates


def check_settings(b: int, level: float, seed: int) -> None:
    """EvalInputError naming the setting when B, the level or the seed is out of range."""
    if b < 2:
        raise EvalInputError(f"--b {b}: the bootstrap needs at least 2 replicates (1000 usual)")
    if not 0 < level < 1:
        raise EvalInputError(f"--level {level}: the confidence level lies in (0, 1), e.g. 0.95")
    if not 0 <= seed < MAX_SEED:
        raise EvalInputError(f"--seed {seed}: seeds lie in [0, 2^32)")


def bootstrap_intervals(
    wh: Warehouse,
    eval_id: int,
    b: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    by: str = "all",
) -> dict[str, Any]:
    """Percentile bootstrap intervals of every retrieval metric of an evaluation.

    by="all": {"b", "level", "seed", "t2v": {"n_queries", "n_units", metric: [low, high]
    for every metric of metric_names()}, "v2t": {...}}. by="category" or "length": the
    same per group under "groups", a list of {"direction", "category_id", "bucket",
    "n_queries", "n_units", metric: [low, high]}.
    """
    check_settings(b, level, seed)
    if by not in GROUPINGS:
        raise EvalInputError(f"grouping {by!r}: choose one of {', '.join(GROUPINGS)}")
    get_eval(wh, eval_id)
    rows = _run(wh, eval_id, None, by, "stats/bootstrap_sample", {"count": b, "seed": seed}, level)
    groups = _groups(rows, "a")
    out: dict[str, Any] = {"b": b, "level": level, "seed": seed}
    if by == "all":
        out.update({group.pop("direction"): _drop_keys(group) for group in groups})
    else:
        out["groups"] = groups
    return out


def compare_evals(
    wh: Warehouse,
    eval_a: int,
    eval_b: int,
    b: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    rounds: int | None = None,
) -> list[dict[str, Any]]:
    """Per (direction, metric): A, B, B - A, the paired bootstrap interval of B - A (`b`
    replicates), the permutation p-value (`rounds`, default `b`) and the Holm-adjusted
    p-value over all rows. EvalInputError when the two do not hold the same queries."""
    check_settings(b, level, seed)
    rounds = b if rounds is None else rounds
    if rounds < 1:
        raise EvalInputError(f"rounds {rounds}: the permutation test needs at least 1 round")
    check_same_queries(wh, eval_a, eval_b)
    value_a, value_b = retrieval_metrics(wh, eval_a), retrieval_metrics(wh, eval_b)
    boot = _run(
        wh, eval_a, eval_b, "all", "stats/bootstrap_sample", {"count": b, "seed": seed}, level
    )
    intervals = {(r["direction"], r["metric"]): r for r in boot if r["side"] == "diff"}
    perm = _run(
        wh, eval_a, eval_b, "all", "stats/permutation_sample", {"count": rounds + 1, "seed": seed}
    )
    p_values = {(r["direction"], r["metric"]): float(r["p_value"]) for r in perm}
    out = []
    for direction in DIRECTIONS:
        for metric in metric_names():
            key = (direction, metric)
            a, bv = value_a[direction][metric], value_b[direction][metric]
            out.append(
                {
                    "direction": direction,
                    "metric": metric,
                    "a": a,
                    "b": bv,
                    "diff": bv - a,
                    "low": float(intervals[key]["low"]),
                    "high": float(intervals[key]["high"]),
                    "p_value": p_values[key],
                }
            )
    for row, adjusted in zip(out, holm([row["p_value"] for row in out]), strict=True):
        row["p_holm"] = adjusted
    return out


def check_same_queries(wh: Warehouse, eval_a: int, eval_b: int) -> None:
    """EvalInputError unless both evaluations hold the same (direction, query id) rows."""
    get_eval(wh, eval_a)
    get_eval(wh, eval_b)
    row = wh.rows("stats/paired_check", {"eval_a": eval_a, "eval_b": eval_b})[0]
    if row["n_only_a"] or row["n_only_b"]:
        parts = []
        for side, eval_id in (("a", eval_a), ("b", eval_b)):
            if row[f"n_only_{side}"]:
                examples = ", ".join(row[f"examples_{side}"])
                parts.append(f"{row[f'n_only_{side}']} only in eval {eval_id} (e.g. {examples})")
        raise EvalInputError(
            f"evaluations {eval_a} and {eval_b} do not hold the same queries "
            f"({row['n_a']} vs {row['n_b']} rows; {'; '.join(parts)}): a paired test needs "
            "both on the same split of the same dataset"
        )


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment, in the order given: the i-th smallest p becomes
    max over j <= i of min(1, (m - j + 1) * p_(j))."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for step, i in enumerate(order):
        running = max(running, min(1.0, (m - step) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _run(
    wh: Warehouse,
    eval_a: int,
    eval_b: int | None,
    by: str,
    sample: str,
    params: dict[str, Any],
    level: float | None = None,
) -> list[dict[str, Any]]:
    """Rows, then `params["count"]` replicates sampled and measured in batches of about
    BATCH_ROWS weighted rows (the memory bound), then intervals (level given) or p-values."""
    count = params.pop("count")
    try:
        wh.sql("stats/hash")
        wh.sql("stats/rows", {"eval_a": eval_a, "eval_b": eval_b, "grouping": by})
        wh.sql("stats/groups")
        size = wh.rows("stats/count_groups")[0]
        if not size["n"]:
            raise EvalInputError(f"evaluation {eval_a} has no per-query rows to resample")
        batch = max(1, BATCH_ROWS // (size["n_queries"] * (1 if eval_b is None else 2)))
        wh.sql("stats/replicates_table")
        for first in range(0, count, batch):
            bounds = {"first": first, "last": min(count, first + batch)}
            wh.sql(sample, params | bounds)
            wh.sql("stats/replicate_metrics")
        if level is None:
            return wh.rows("stats/permutation_pvalues")
        tail = (1 - level) / 2
        return wh.rows("stats/intervals", {"lo_q": tail, "hi_q": 1 - tail})
    finally:
        wh.sql("stats/drop")


def _groups(rows: list[dict[str, Any]], side: str) -> list[dict[str, Any]]:
    groups: dict[tuple, dict[str, Any]] = {}
    order = {name: i for i, name in enumerate(metric_names())}
    for row in sorted(rows, key=lambda r: order[r["metric"]]):  # stable: groups keep order
        if row["side"] != side:
            continue
        key = (row["direction"], row["category_id"], row["bucket"])
        group = groups.setdefault(
            key,
            {
                "direction": row["direction"],
                "category_id": row["category_id"],
                "bucket": row["bucket"],
                "n_queries": int(row["n_queries"]),
                "n_units": int(row["n_units"]),
            },
        )
        group[row["metric"]] = [float(row["low"]), float(row["high"])]
    return list(groups.values())


def _drop_keys(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k not in ("category_id", "bucket")}
