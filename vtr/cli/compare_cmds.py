"""`vtr compare` (paired tests of two evaluations) and `vtr intervals` (bootstrap intervals
of one), thin wrappers over vtr.warehouse.stats."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from vtr.cli.common import JsonFlag, WarehouseArg, console, print_json, reports_errors
from vtr.warehouse import open_warehouse

B_HELP = "Bootstrap replicates (and permutation rounds); 1000 by default."
SEED_HELP = "Seed of the draws, in [0, 2^32): the same seed gives the same numbers."
LEVEL_HELP = "Confidence level of the intervals, e.g. 0.95."


@reports_errors
def compare_command(
    warehouse: WarehouseArg,
    eval_a: int = typer.Argument(..., help="Evaluation id A (the baseline)."),
    eval_b: int = typer.Argument(..., help="Evaluation id B, on the same queries as A."),
    b: int = typer.Option(1000, "--b", help=B_HELP),
    seed: int = typer.Option(0, "--seed", help=SEED_HELP),
    level: float = typer.Option(0.95, "--level", help=LEVEL_HELP),
    as_json: JsonFlag = False,
) -> None:
    """Is B better than A? Paired tests of every retrieval metric, in one table.

    Per direction and metric: A, B, the difference B - A with its paired bootstrap
    interval (both evaluations resampled with the same draws; T2V by video, all
    captions of a drawn video together), the two-sided p-value of an approximate
    randomisation test (A and B swapped per video at random, --b rounds) and that
    p-value Holm-adjusted over the 14 metrics. `*` marks a Holm-adjusted p below
    1 - --level. Both must hold the same queries (same dataset and split); else an
    error says which differ.

    Example: `vtr compare wh/ 1 2 --b 1000 --seed 0`
    """
    from vtr.warehouse.stats import compare_evals

    with open_warehouse(warehouse, read_only=True) as wh:
        rows = compare_evals(wh, eval_a, eval_b, b=b, level=level, seed=seed)
    if as_json:
        print_json(
            {"eval_a": eval_a, "eval_b": eval_b, "b": b, "seed": seed, "level": level, "rows": rows}
        )
        return
    table = Table(title=f"eval {eval_b} vs eval {eval_a} (B = {b}, seed {seed})")
    for name in ("direction", "metric", "A", "B", f"B - A [{level:.0%} interval]", "p", "p Holm"):
        table.add_column(name, justify="left" if name in ("direction", "metric") else "right")
    for row in rows:
        mark = " *" if row["p_holm"] < 1 - level else ""
        table.add_row(
            row["direction"].upper(),
            row["metric"],
            _fmt(row["metric"], row["a"]),
            _fmt(row["metric"], row["b"]),
            f"{_fmt(row['metric'], row['diff'], sign=True)} "
            f"[{_fmt(row['metric'], row['low'])}, {_fmt(row['metric'], row['high'])}]",
            f"{row['p_value']:.3f}",
            f"{row['p_holm']:.3f}{mark}",
        )
    console.print(table)


@reports_errors
def intervals_command(
    warehouse: WarehouseArg,
    eval_id: int = typer.Argument(..., help="Evaluation id."),
    by: str = typer.Option(
        "all", "--by", help="all (default), category (per video category) or length (T2V)."
    ),
    b: int = typer.Option(1000, "--b", help="Bootstrap replicates; 1000 by default."),
    seed: int = typer.Option(0, "--seed", help=SEED_HELP),
    level: float = typer.Option(0.95, "--level", help=LEVEL_HELP),
    as_json: JsonFlag = False,
) -> None:
    """Bootstrap confidence intervals of every retrieval metric of an evaluation.

    Percentile intervals from --b resamples of the queries, computed in DuckDB
    (sql/stats/). Text-to-video resamples videos, each with all its captions (a
    cluster bootstrap: captions of one video are not independent, and drawing them
    one by one would give intervals that are too narrow); video-to-text resamples
    videos. With --by category or length each group is resampled on its own.

    Example: `vtr intervals wh/ 1 --b 1000 --level 0.95`
    """
    from vtr.warehouse.evals import metrics_by_category, metrics_by_length, retrieval_metrics
    from vtr.warehouse.stats import bootstrap_intervals

    with open_warehouse(warehouse, read_only=True) as wh:
        result = bootstrap_intervals(wh, eval_id, b=b, level=level, seed=seed, by=by)
        if by == "all":
            values = retrieval_metrics(wh, eval_id)
            groups = [{"direction": d, **result[d], "values": values[d]} for d in values]
        else:
            point = (
                metrics_by_category(wh, eval_id)
                if by == "category"
                else metrics_by_length(wh, eval_id)
            )
            found = {(r["direction"], r.get("category_id"), r.get("bucket")): r for r in point}
            groups = []
            for group in result["groups"]:
                row = found[(group["direction"], group["category_id"], group["bucket"])]
                groups.append(group | {"name": row.get("name"), "values": row})
    from vtr.warehouse.metric_defs import metric_names

    for group in groups:
        group["values"] = {k: float(group["values"][k]) for k in metric_names()}
    if as_json:
        print_json(
            {"eval_id": eval_id, "by": by, "b": b, "seed": seed, "level": level, "groups": groups}
        )
        return
    table = Table(title=f"eval {eval_id}: {level:.0%} bootstrap intervals (B = {b}, seed {seed})")
    table.add_column("direction")
    if by != "all":
        table.add_column("category" if by == "category" else "words")
    table.add_column("units", justify="right")
    for key in metric_names():
        table.add_column(key, justify="right")
    for group in groups:
        label = [] if by == "all" else [str(group["name"] if by == "category" else group["bucket"])]
        table.add_row(
            group["direction"].upper(),
            *label,
            str(group["n_units"]),
            *(interval_cell(k, group["values"][k], group[k]) for k in metric_names()),
        )
    console.print(table)


def interval_cell(key: str, value: float, interval: list[float]) -> str:
    """`22.70 [20.10, 25.30]`, with the precision of the metric."""
    return f"{_fmt(key, value)} [{_fmt(key, interval[0])}, {_fmt(key, interval[1])}]"


def _fmt(key: str, value: Any, sign: bool = False) -> str:
    from vtr.warehouse.metric_defs import metric

    return metric(key).format(float(value), signed=sign)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
    app.command("intervals")(intervals_command)
