"""The retrieval metrics, as the SQL defines them: names, units and direction.

The definition is the view `query_metrics` (sql/schema/021_metrics.sql): every metric is
one of its columns, whose comment ends with '(<unit>, <higher|lower> is better).'.
Python reads that list here (sql/metrics/definitions.sql, over a catalog migrated in
memory) and never writes a metric name itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import duckdb

from vtr.errors import MetricsOutdated
from vtr.warehouse.queries import query, query_dicts

DIRECTIONS = ("t2v", "v2t")
DECIMALS = {"percent": 2, "rank": 2, "fraction": 4}


@dataclass(frozen=True)
class Metric:
    """One retrieval metric: `name` as in the views (e.g. "R@1"), its description, its
    unit ("percent", "rank" or "fraction") and whether a higher value is better."""

    name: str
    description: str
    unit: str
    higher_is_better: bool

    @property
    def decimals(self) -> int:
        return DECIMALS[self.unit]

    def format(self, value: float | None, signed: bool = False) -> str:
        """`value` with the metric's decimals ("–" for None or NaN); `signed`: a leading sign."""
        if value is None or math.isnan(value):
            return "–"
        return f"{value:{'+' if signed else ''}.{self.decimals}f}"


@cache
def retrieval_metric_defs() -> tuple[Metric, ...]:
    """Every retrieval metric, in the column order of `query_metrics`."""
    from vtr.warehouse.migrations import migrate

    con = duckdb.connect()
    try:
        migrate(con)
        rows = query_dicts(con, "metrics/definitions")
    finally:
        con.close()
    return tuple(Metric(**row) for row in rows)


def metric_names() -> tuple[str, ...]:
    """The names of every retrieval metric ("R@1", ..., "mAP"), in definition order."""
    return tuple(m.name for m in retrieval_metric_defs())


def check_catalog_metrics(con: duckdb.DuckDBPyConnection) -> None:
    """MetricsOutdated when the catalog's view retrieval_metrics lacks a defined metric: a
    catalog last opened read-write by an older vtr, now opened read-only (only read-write
    opens bring its views up to date)."""
    have = {d[0] for d in query(con, "metrics/columns").description}
    missing = [name for name in metric_names() if name not in have]
    if missing:
        raise MetricsOutdated(
            f"this catalog's metric views lack {', '.join(missing)}: they were made by an older "
            "vtr. Open the warehouse read-write once (any command that writes to it, e.g. "
            "`vtr eval`, or open_warehouse(path) in Python) to bring them up to date"
        )


def metric(name: str) -> Metric:
    """The metric called `name`; KeyError naming the known ones otherwise."""
    for m in retrieval_metric_defs():
        if m.name == name:
            return m
    raise KeyError(f"no retrieval metric {name!r}; known: {', '.join(metric_names())}")


def percent_metrics() -> tuple[str, ...]:
    """The metrics in percent (the recalls), for recall bar charts."""
    return tuple(m.name for m in retrieval_metric_defs() if m.unit == "percent")


def legend() -> str:
    """One sentence per metric for a report: its name, description and direction."""
    return " ".join(
        f"{m.name}: {m.description} ({m.unit}, {'higher' if m.higher_is_better else 'lower'} "
        "is better)."
        for m in retrieval_metric_defs()
    )
