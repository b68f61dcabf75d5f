"""The comparison report: a leaderboard of evaluations, a recall chart, re-ranking gains.

Each table is one named query: `sql/reports/leaderboard.sql` and
`sql/reports/rerank_gain.sql`, both over the view `retrieval_metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vtr.errors import ReportError, UnknownEval
from vtr.reports import markdown as md
from vtr.reports import plots
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.evals import list_evals
from vtr.warehouse.metric_defs import DIRECTIONS, percent_metrics, retrieval_metric_defs
from vtr.warehouse.queries import load_sql

T2V_PLOT = "recall_t2v.png"
V2T_PLOT = "recall_v2t.png"
PLOT_FILES = (T2V_PLOT, V2T_PLOT)
TEST_STATISTICS_MARK = "†"


def default_compare_dir(wh: Warehouse) -> Path:
    return wh.root / "reports" / "compare"


def write_comparison_report(
    wh: Warehouse,
    eval_ids: Sequence[int] | None = None,
    out_dir: Path | None = None,
    notes: Sequence[str] = (),
) -> Path:
    """Write the leaderboard of `eval_ids` (default: every evaluation); return report.md.

    Raises UnknownEval when an id is not in the catalog or there is no evaluation at all,
    ReportError when the folder cannot be written.
    """
    known = {row["eval_id"] for row in list_evals(wh)}
    if not known:
        raise UnknownEval("this warehouse has no evaluations yet; run `vtr eval` first")
    missing = sorted(set(eval_ids or ()) - known)
    if missing:
        raise UnknownEval(f"no evaluation with id(s) {missing}; known: {sorted(known)}")
    params = {"eval_ids": [int(e) for e in eval_ids] if eval_ids else None}
    board = wh.rows("reports/leaderboard", params)
    gains = wh.rows("reports/rerank_gain", params)
    out = Path(out_dir) if out_dir is not None else default_compare_dir(wh)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in PLOT_FILES:
            (out / name).unlink(missing_ok=True)
        sections = [
            md.heading(1, "Comparison of evaluations"),
            *(note.strip() for note in notes if note.strip()),
            _leaderboard_section(board),
            _chart_section(board, out),
            gain_section(gains),
            _sql_section(),
        ]
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(f"cannot write the comparison report to {out}: {err}") from None
    return path


def _label(row: dict[str, Any]) -> str:
    rerank = "" if row["rerank"] == "none" else f" +{row['rerank']}"
    mark = TEST_STATISTICS_MARK if row["test_statistics"] else ""
    return f"#{row['eval_id']}{rerank}{mark}"


def _leaderboard_section(board: list[dict[str, Any]]) -> str:
    headers = ["Eval", "Dataset / split", "Text variant", "Video variant", "Search", "Ties"]
    headers += ["Protocol", "Re-ranking", "Coverage"]
    defs = retrieval_metric_defs()
    headers += [f"{d.upper()} {m.name}" for d in DIRECTIONS for m in defs]
    rows = []
    for r in board:
        rerank = r["rerank"] + (f" {TEST_STATISTICS_MARK}" if r["test_statistics"] else "")
        cells = [
            r["eval_id"],
            f"{r['dataset'] or '-'} / {r['split'] or 'all'}",
            r["text_variant"] or (f"external: {r['label']}" if r["label"] else "-"),
            r["video_variant"] or ("(its own)" if r["label"] else "-"),
            r["search_kind"],
            r["ties"],
            r["protocol"],
            rerank,
            r["coverage"],
        ]
        cells += [m.format(r[f"{d}_{m.name}"]) for d in DIRECTIONS for m in defs]
        rows.append(cells)
    return md.section(
        "Leaderboard",
        "Best T2V R@1 first. R@K in percent. Search `ann (nprobes=N)`: answered from "
        "ANN indexes, ranks past k censored (R@K exact for K <= k only). "
        f"{TEST_STATISTICS_MARK} = the re-ranking "
        "used statistics of the test queries themselves (dual softmax normalises over "
        "all test queries), so it is not comparable with a method that sees one query "
        "at a time. Coverage: `full`, or the items evaluated / listed (`vtr eval "
        "--missing skip`), whose smaller gallery makes R@K look better.",
        md.table(headers, rows, ["right"] + ["left"] * 8 + ["right"] * 2 * len(defs)),
    )


def _chart_section(board: list[dict[str, Any]], out: Path) -> str:
    groups = [_label(r) for r in board]
    for direction, plot in (("t2v", T2V_PLOT), ("v2t", V2T_PLOT)):
        plots.recall_bars(
            out / plot,
            groups,
            {m: [r[f"{direction}_{m}"] for r in board] for m in percent_metrics()},
            f"{direction.upper()} recall by evaluation",
            f"evaluation ({TEST_STATISTICS_MARK} = test-time statistics)",
        )
    return md.section(
        "Recall comparison",
        md.image("T2V recall by evaluation", T2V_PLOT),
        md.image("V2T recall by evaluation", V2T_PLOT),
    )


def gain_section(gains: list[dict[str, Any]]) -> str:
    """The re-ranking gain table (rows of `sql/reports/rerank_gain.sql`)."""
    title = md.heading(2, "Re-ranking gain over plain cosine")
    if not gains:
        return (
            f"{title}\n\n_No re-ranked evaluation with a plain one of the same setup: "
            "run `vtr eval ... --rerank dual-softmax` or `--rerank qb-norm`._"
        )
    defs = retrieval_metric_defs()
    headers = ["Eval", "vs plain", "Re-ranking", "Direction", *(f"Δ{m.name}" for m in defs)]
    rows = [
        [
            g["eval_id"],
            g["plain_eval_id"],
            g["rerank"] + (f" {TEST_STATISTICS_MARK}" if g["test_statistics"] else ""),
            g["direction"].upper(),
            *(m.format(g[f"Δ{m.name}"], signed=True) for m in defs),
        ]
        for g in gains
    ]
    return "\n\n".join(
        [
            title,
            "Change of each metric (re-ranked minus plain, in the metric's units) of each "
            "re-ranked evaluation over the latest plain-cosine evaluation of the same "
            "dataset, split and variants.",
            md.table(headers, rows, ["right", "right", "left", "left"] + ["right"] * len(defs)),
        ]
    )


def _sql_section() -> str:
    return md.section(
        "Reproduce in SQL",
        "The leaderboard is `sql/reports/leaderboard.sql`; in the DuckDB shell "
        "(`vtr shell WAREHOUSE`) with every evaluation (`$eval_ids` = NULL):",
        md.code_block(leaderboard_sql(), "sql"),
    )


def leaderboard_sql() -> str:
    """`sql/reports/leaderboard.sql` with `$eval_ids` = NULL (every evaluation), as pasted."""
    lines = load_sql("reports/leaderboard").splitlines()
    return "\n".join(
        line if line.lstrip().startswith("--") else line.replace("$eval_ids", "NULL")
        for line in lines
    )
