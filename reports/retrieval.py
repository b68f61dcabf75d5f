"""The retrieval report of one evaluation: `report.md` + PNG plots in one folder.

Every number comes from a named SQL query: the metrics from `sql/metrics/*.sql` (through
`vtr.warehouse.evals`), the header and the similarity distribution from `sql/reports/*.sql`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from vtr.errors import ReportError
from vtr.reports import markdown as md
from vtr.reports import plots
from vtr.reports.compare import TEST_STATISTICS_MARK, gain_section
from vtr.reports.qualitative import qualitative_section
from vtr.warehouse.bridge import literal
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.evals import get_eval, metrics_by_length, retrieval_metrics
from vtr.warehouse.metric_defs import DIRECTIONS, legend, metric, metric_names, percent_metrics
from vtr.warehouse.queries import load_sql
from vtr.warehouse.stats import bootstrap_intervals

LENGTH_BUCKETS = ("1-10", "11-20", "21+")
HIST_BINS = 40
CATEGORY_PLOT = "recall_by_category.png"
LENGTH_PLOT = "recall_by_length.png"
SCORE_PLOT = "similarity_distribution.png"
PLOT_FILES = (CATEGORY_PLOT, LENGTH_PLOT, SCORE_PLOT)
METRICS_SQL = "metrics/retrieval"


def default_report_dir(wh: Warehouse, eval_id: int) -> Path:
    """Where a report goes unless told otherwise: `<warehouse>/reports/eval-<id>/`."""
    return wh.root / "reports" / f"eval-{int(eval_id)}"


def write_retrieval_report(
    wh: Warehouse,
    eval_id: int,
    out_dir: Path | None = None,
    notes: list[str] | None = None,
    cases: int = 3,
    bootstrap: int = 1000,
) -> Path:
    """Write the report of evaluation `eval_id`; return the (absolute) path of `report.md`.

    The folder (default `<warehouse>/reports/eval-<id>/`) holds `report.md` and the PNGs
    it links by relative path. `notes` are markdown paragraphs placed under the header;
    `cases` best and worst queries per direction are shown with their neighbours (0: none).
    The overall table gives each metric its 95% bootstrap interval from `bootstrap`
    replicates (seed 0; vtr.warehouse.stats; 0: no intervals).
    Raises UnknownEval for an id the catalog does not hold, ReportError when the folder
    cannot be written.
    """
    get_eval(wh, eval_id)
    params = {"eval_id": eval_id}
    header = wh.rows("reports/eval_header", params)[0]
    overall = retrieval_metrics(wh, eval_id)
    intervals = bootstrap_intervals(wh, eval_id, b=bootstrap) if bootstrap else None
    categories = wh.rows("metrics/retrieval_wide", {"eval_id": eval_id, "by": "category"})
    lengths = metrics_by_length(wh, eval_id)
    stats = wh.rows("reports/score_stats", params)
    histogram = wh.rows("reports/score_distribution", {**params, "bins": HIST_BINS})

    out = Path(out_dir) if out_dir is not None else default_report_dir(wh, eval_id)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in PLOT_FILES:  # a re-run must not leave a stale plot of an earlier report
            (out / name).unlink(missing_ok=True)
        sections = [
            _header_section(header, notes or []),
            _overall_section(overall, intervals),
            _category_section(categories, out),
            _length_section(lengths, out),
            _score_section(stats, histogram, header["similarity"], out),
            *_gain(wh, header),
            *([qualitative_section(wh, eval_id, out, n=cases)] if cases > 0 else []),
            _sql_section(wh, eval_id),
        ]
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(f"cannot write the report of eval {eval_id} to {out}: {err}") from None
    return path


def inline_params(sql: str, params: dict[str, int | str]) -> str:
    """`sql` with each `$name` replaced by its value, for pasting into a shell.

    Integers are inlined as numbers, strings as quoted SQL literals; a `$name` left
    without a value raises ValueError.
    """
    for name, value in params.items():
        if isinstance(value, str):
            text = literal(value)
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            text = str(int(value))
        else:
            raise ValueError(f"only integer and string parameters can be inlined: {name}={value!r}")
        sql = re.sub(rf"\${re.escape(name)}\b", lambda _m, text=text: text, sql)
    left = sorted(set(re.findall(r"\$([A-Za-z_]\w*)", sql)))
    if left:
        raise ValueError(f"no value given for parameter(s) {left}")
    return sql


# ---------------------------------------------------------------- sections


def _header_section(h: dict[str, Any], notes: Sequence[str]) -> str:
    split = h["split"] if h["split"] is not None else "all videos"
    search = h["search_kind"] + (f" ({h['similarity']} similarity)" if h["similarity"] else "")
    if h["search"] == "ann":
        search += f"; ranks past {h['k']} stored as {h['k'] + 1} (censored)"
    evaluated = h["created_at"]
    if isinstance(evaluated, datetime):
        evaluated = evaluated.isoformat(sep=" ", timespec="seconds")
    lines = [
        md.heading(1, f"Retrieval report: eval {h['eval_id']}"),
        "",
        md.field("Dataset", _value(h["dataset"], "none (an external similarity matrix)")),
        md.field("Split", md.escape(split)),
        md.field("Text variant", _variant(h, "text")),
        md.field("Video variant", _variant(h, "video")),
        f"- **Search:** {md.escape(search)}, top-{h['k']} neighbours stored per query",
        md.field("Re-ranking", _rerank(h)),
        f"- **Ties:** {md.escape(h['ties'])}; **protocol:** {md.escape(h['protocol'])}",
        f"- **Size:** {h['n_texts']} texts (captions), {h['n_videos']} videos" + _coverage(h),
        f"- **Evaluated:** {md.escape(evaluated)}; "
        f"**report written:** {datetime.now().isoformat(sep=' ', timespec='seconds')}",
    ]
    return "\n".join(lines + [f"\n{note.strip()}" for note in notes if note.strip()])


def _coverage(h: dict[str, Any]) -> str:
    """'' for a full evaluation, else the warning a partial gallery needs."""
    if h["coverage"] == "full":
        return ""
    return (
        f" — **partial: {h['n_texts']} of {h['n_texts_listed']} listed texts, "
        f"{h['n_videos']} of {h['n_videos_listed']} listed videos** (`--missing skip`; "
        "a smaller gallery makes R@K look better than the full split would)"
    )


def _overall_section(overall: dict[str, dict[str, float]], intervals: dict[str, Any] | None) -> str:
    def cell(direction: str, key: str) -> str:
        value = _metric(key, overall[direction][key])
        if intervals is None:
            return value
        low, high = intervals[direction][key]
        return f"{value} [{_metric(key, low)}, {_metric(key, high)}]"

    names = metric_names()
    rows = [[d.upper(), *(cell(d, key) for key in names)] for d in DIRECTIONS]
    ci = (
        f" In brackets: the {intervals['level']:.0%} percentile bootstrap interval, "
        f"{intervals['b']} resamples (seed {intervals['seed']}); T2V resamples videos, each "
        "with all its captions, since captions of one video are not independent "
        "(`vtr intervals`, `vtr compare`)."
        if intervals is not None
        else ""
    )
    return md.section(
        "Overall",
        md.table(["Direction", *names], rows, ["left"] + ["right"] * len(names)),
        legend() + " "
        "T2V: each caption ranks the videos. V2T: each video ranks the caption sets of "
        "all videos, a set scored by its best caption (CLIP4Clip); its mAP counts "
        "every caption of the video as relevant." + ci,
    )


def _category_section(rows: list[dict[str, Any]], out: Path) -> str:
    """`rows`: sql/metrics/retrieval_wide.sql, one per category, both directions side by side."""
    title = md.heading(2, "By video category")
    if not rows:
        return f"{title}\n\n_No per-category breakdown: this evaluation has no catalog videos._"
    names = metric_names()
    headers = ["Category"]
    for d in DIRECTIONS:
        headers += [f"{d.upper()} n", *(f"{d.upper()} {m}" for m in names)]
    table_rows = []
    for row in rows:
        cells: list[Any] = [row["name"]]
        for d in DIRECTIONS:
            cells.append(row[f"{d}_n_queries"] or 0)
            cells += [_metric(m, row[f"{d}_{m}"]) for m in names]
        table_rows.append(cells)
    parts = [
        title,
        "A T2V query (caption) counts under its video's category; a V2T query (video) under "
        "its own. n = queries.",
        md.table(headers, table_rows, ["left"] + ["right"] * (len(headers) - 1)),
    ]
    t2v = [r for r in rows if r["t2v_n_queries"]]
    if t2v:
        plots.recall_bars(
            out / CATEGORY_PLOT,
            [f"{r['name']}\n(n={r['t2v_n_queries']})" for r in t2v],
            {m: [r[f"t2v_{m}"] for r in t2v] for m in percent_metrics()},
            "Text-to-video recall by video category",
            "video category (n = caption queries)",
        )
        parts.append(md.image("T2V recall by category", CATEGORY_PLOT))
    return "\n\n".join(parts)


def _length_section(rows: list[dict[str, Any]], out: Path) -> str:
    title = md.heading(2, "By query length (T2V)")
    t2v = {r["bucket"]: r for r in rows if r["direction"] == "t2v"}
    if not t2v:
        return f"{title}\n\n_No per-length breakdown: its captions are not in the catalog._"
    keys = metric_names()
    table_rows = []
    for bucket in LENGTH_BUCKETS:
        row = t2v.get(bucket)
        cells = [_metric(k, row[k] if row else None) for k in keys]
        table_rows.append([bucket, row["n_queries"] if row else 0, *cells])
    present = [r for b in LENGTH_BUCKETS if (r := t2v.get(b))]
    plots.recall_bars(
        out / LENGTH_PLOT,
        [f"{r['bucket']} words\n(n={r['n_queries']})" for r in present],
        {m: [r[m] for r in present] for m in percent_metrics()},
        "Text-to-video recall by query length",
        "caption length in words (n = caption queries)",
    )
    return "\n\n".join(
        [
            title,
            "Caption length in words (`captions.n_words`).",
            md.table(["Words", "n", *keys], table_rows, ["left"] + ["right"] * (len(keys) + 1)),
            md.image("T2V recall by query length", LENGTH_PLOT),
        ]
    )


def _score_section(
    stats: list[dict[str, Any]], hist: list[dict[str, Any]], similarity: str | None, out: Path
) -> str:
    title = md.heading(2, "Similarity of matching vs non-matching pairs")
    if not stats:
        return f"{title}\n\n_No similarity samples stored for this evaluation._"
    by_group = {_pair_label(r["matching"]): r for r in stats}
    rows = [
        [name, r["n"], *(md.number(r[k], 3) for k in ("mean", "std", "min", "max"))]
        for name, r in by_group.items()
    ]
    match, other = by_group.get("matching"), by_group.get("non-matching")
    gap = match["mean"] - other["mean"] if match and other else None
    edges, counts = histogram_arrays(hist)
    plots.score_histogram(
        out / SCORE_PLOT,
        edges,
        counts,
        {name: r["mean"] for name, r in by_group.items()},
        "Similarity of matching vs non-matching (text, video) pairs",
        f"{similarity} similarity" if similarity else "similarity score",
    )
    return "\n\n".join(
        [
            title,
            "A seeded sample of the similarity scores of (caption, own video) pairs and of "
            "(caption, other video) pairs. The wider the gap, the better separated they are.",
            md.table(
                ["Pairs", "n", "mean", "std", "min", "max"],
                rows,
                ["left"] + ["right"] * 5,
            ),
            f"Gap (mean matching − mean non-matching): **{md.number(gap, 3)}**",
            md.image("Similarity distribution of matching vs non-matching pairs", SCORE_PLOT),
        ]
    )


def _gain(wh: Warehouse, header: dict[str, Any]) -> list[str]:
    if header["rerank"] == "none":
        return []
    return [gain_section(wh.rows("reports/rerank_gain", {"eval_ids": [header["eval_id"]]}))]


def _sql_section(wh: Warehouse, eval_id: int) -> str:
    catalog = shlex.quote(str(wh.catalog_path.resolve()))
    sql = inline_params(load_sql(METRICS_SQL), {"eval_id": eval_id, "by": "all"})
    source = f"-- sql/{METRICS_SQL}.sql, its parameters inlined: eval_id {int(eval_id)}, by 'all'\n"
    return md.section(
        "Reproduce in SQL",
        "Open the catalog in the DuckDB shell (read-only, so a running `vtr` is not disturbed):",
        md.code_block(f"duckdb -readonly {catalog}", "sh"),
        "and paste the query behind the overall table:",
        md.code_block(source + sql, "sql"),
        "The same query with `'category'` or `'length'` in place of `'all'` gives the "
        "breakdown tables; every query's rank, AP, category and caption length are in "
        f"the view `query_results` (`SELECT * FROM query_results WHERE eval_id = "
        f"{int(eval_id)}`). The similarity tables come from `sql/reports/score_stats.sql` "
        f"and `sql/reports/score_distribution.sql` (`$eval_id` = {int(eval_id)}, "
        f"`$bins` = {HIST_BINS}).",
    )


# ---------------------------------------------------------------- helpers


def histogram_arrays(rows: list[dict[str, Any]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Bin edges and per-group counts of `sql/reports/score_distribution.sql` rows."""
    lo, hi = float(rows[0]["lo"]), float(rows[0]["hi"])
    counts = {"matching": np.zeros(HIST_BINS), "non-matching": np.zeros(HIST_BINS)}
    for row in rows:
        counts[_pair_label(row["matching"])][row["bin"]] = row["n"]
    if hi > lo:
        return np.linspace(lo, hi, HIST_BINS + 1), counts
    # every sampled score is equal: one narrow bin around it
    return np.array([lo - 0.01, lo + 0.01]), {k: v[:1] for k, v in counts.items()}


def _pair_label(matching: bool) -> str:
    return "matching" if matching else "non-matching"


def _metric(key: str, value: float | None) -> str:
    return md.number(value, metric(key).decimals)


def _rerank(h: dict[str, Any]) -> str:
    if h["rerank"] == "none":
        return "none (plain cosine)"
    config = json.loads(h["rerank_config"]) if h["rerank_config"] else {}
    params = ", ".join(f"{k} {v}" for k, v in config.items() if k != "method")
    text = md.escape(h["rerank"] + (f" ({params})" if params else ""))
    if h["uses_test_statistics"]:
        text += f" {TEST_STATISTICS_MARK} **uses statistics of the test queries**"
    return text


def _value(value: Any, missing: str) -> str:
    return md.escape(missing) if value is None else md.escape(value)


def _variant(h: dict[str, Any], modality: str) -> str:
    variant_id = h[f"{modality}_variant"]
    if variant_id is None:
        if h.get("label"):
            return md.escape(f"none: another system's similarity matrix, '{h['label']}'")
        return md.escape("none (an external similarity matrix)")
    if h[f"{modality}_backbone"] is None:
        return f"{md.code_span(variant_id)} (not in the variants table)"
    details = [
        f"backbone {md.code_span(h[f'{modality}_backbone'])}",
        f"layer {md.code_span(h[f'{modality}_layer'])}",
        f"pooling {md.code_span(h[f'{modality}_pooling'])}",
    ]
    if modality == "video" and h["video_temporal"]:
        frames = f" over {h['video_frames']} frames" if h["video_frames"] else ""
        details.append(f"temporal {md.code_span(h['video_temporal'])}{frames}")
    details.append(f"dim {h[f'{modality}_dim']}")
    return f"{md.code_span(variant_id)}: " + ", ".join(details)
