"""The dataset report (EDA): `report.md` + PNG plots of one dataset, every number from SQL.

Queries: `sql/reports/eda_*.sql`, over the catalog tables and the view `caption_words`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from vtr.errors import ReportError
from vtr.ingest.datasets import get_dataset
from vtr.reports import markdown as md
from vtr.reports import plots
from vtr.warehouse.catalog import Warehouse

TOP_WORDS = 25
DURATION_BIN_SECONDS = 5.0
# Function words left out of the top-words table (the vocabulary counts keep them).
_FUNCTION_WORDS = """
a an the and or but of in on at to for from by with into onto over under about as is are
was were be been being it its this that these those there here he she they his her their
them i you we our your who which what while then than so up down out off
"""
STOPWORDS = _FUNCTION_WORDS.split()
CATEGORY_PLOT = "videos_by_category.png"
CAPTIONS_PLOT = "captions_per_video.png"
LENGTH_PLOT = "caption_lengths.png"
WORDS_PLOT = "top_words.png"
DURATION_PLOT = "durations.png"
PLOT_FILES = (CATEGORY_PLOT, CAPTIONS_PLOT, LENGTH_PLOT, WORDS_PLOT, DURATION_PLOT)


def default_eda_dir(wh: Warehouse, dataset: str) -> Path:
    """`<warehouse>/reports/dataset-<name>/` (the name made file-system safe)."""
    slug = re.sub(r"[^\w.-]+", "_", dataset, flags=re.UNICODE).strip("_") or "dataset"
    return wh.root / "reports" / f"dataset-{slug}"


def write_eda_report(wh: Warehouse, dataset: str, out_dir: Path | None = None) -> Path:
    """Write the dataset report of `dataset`; return the absolute path of its `report.md`.

    Sections: videos and captions per split, captions per video, caption lengths,
    vocabulary and top words, videos per category and split, durations. Raises
    UnknownDataset for a name the catalog does not hold, ReportError when the folder
    cannot be written.
    """
    info = get_dataset(wh, dataset)
    params = {"dataset": dataset}
    splits = wh.rows("reports/eda_splits", params)
    out = Path(out_dir) if out_dir is not None else default_eda_dir(wh, dataset)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in PLOT_FILES:
            (out / name).unlink(missing_ok=True)
        sections = [
            _header(dataset, info, splits),
            _counted_section(
                "Captions per video",
                wh.rows("reports/eda_captions_per_video", params),
                "n_captions",
                "n_videos",
                out / CAPTIONS_PLOT,
                "captions per video",
                "videos",
            ),
            _counted_section(
                "Caption length",
                wh.rows("reports/eda_caption_lengths", params),
                "n_words",
                "n_captions",
                out / LENGTH_PLOT,
                "words per caption",
                "captions",
            ),
            _vocabulary_section(wh, params, out),
            _category_section(wh.rows("reports/eda_categories", params), out),
            _counted_section(
                "Video duration",
                wh.rows("reports/eda_durations", {**params, "bin_seconds": DURATION_BIN_SECONDS}),
                "bin_start",
                "n_videos",
                out / DURATION_PLOT,
                f"duration (s, bins of {DURATION_BIN_SECONDS:g} s)",
                "videos",
                empty="_No durations yet: they are read from the files during `vtr ingest`._",
            ),
            _sql_note(),
        ]
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(
            f"cannot write the report of dataset {dataset!r} to {out}: {err}"
        ) from None
    return path


def _header(dataset: str, info: dict[str, Any], splits: list[dict[str, Any]]) -> str:
    headers = ["Split", "Videos", "Captions", "Captions/video (min–mean–max)"]
    headers += ["Words/caption", "Hours", "Mean duration (s)"]
    rows = [
        [
            r["split"],
            r["n_videos"],
            r["n_captions"],
            f"{r['min_captions_per_video']}–{md.number(r['mean_captions_per_video'])}–"
            f"{r['max_captions_per_video']}",
            md.number(r["mean_words_per_caption"], 1),
            md.number(r["total_seconds"] / 3600 if r["total_seconds"] is not None else None, 2),
            md.number(r["mean_seconds"], 1),
        ]
        for r in splits
    ]
    lines = [
        md.heading(1, f"Dataset report: {dataset}"),
        "",
        md.field("Format", md.escape(info.get("format"))),
        md.field("Annotations", md.code_span(info.get("annotations") or "-")),
        md.field("Videos", md.code_span(info.get("video_root") or "-")),
        "",
        md.heading(2, "Splits"),
        "",
        md.table(headers, rows, ["left"] + ["right"] * 6)
        if rows
        else "_This dataset has no videos in the catalog._",
    ]
    return "\n".join(lines)


def _counted_section(
    title: str,
    rows: list[dict[str, Any]],
    key: str,
    count: str,
    plot: Path,
    xlabel: str,
    ylabel: str,
    empty: str = "_Nothing to count._",
) -> str:
    if not rows:
        return f"{md.heading(2, title)}\n\n{empty}"
    by_split: dict[str, dict[Any, int]] = {}
    for row in rows:
        by_split.setdefault(row["split"], {})[row[key]] = row[count]
    values = sorted({row[key] for row in rows})
    labels = [_label(v) for v in values]
    series = {split: [counts.get(v) for v in values] for split, counts in by_split.items()}
    plots.grouped_bars(plot, labels, series, f"{title} per split", xlabel, ylabel)
    table_rows = [[_label(v), *(by_split[s].get(v, 0) for s in by_split)] for v in values]
    return md.section(
        title,
        md.image(f"{title} per split", plot.name),
        md.table(
            [xlabel, *(f"{ylabel} ({s})" for s in by_split)],
            table_rows,
            ["right"] * (1 + len(by_split)),
        ),
    )


def _vocabulary_section(wh: Warehouse, params: dict[str, Any], out: Path) -> str:
    vocab = wh.rows("reports/eda_vocabulary", params)
    top = wh.rows("reports/eda_top_words", {**params, "stopwords": STOPWORDS, "limit": TOP_WORDS})
    title = md.heading(2, "Vocabulary")
    if not vocab:
        return f"{title}\n\n_No captions._"
    parts = [
        title,
        "Words are lower-cased runs of letters, digits and apostrophes (view `caption_words`). "
        "Hapax = words seen once.",
        md.table(
            ["Split", "Tokens", "Vocabulary", "Hapax"],
            [[r["split"], r["n_tokens"], r["vocabulary"], r["hapax"]] for r in vocab],
            ["left", "right", "right", "right"],
        ),
    ]
    if top:
        plots.grouped_bars(
            out / WORDS_PLOT,
            [r["word"] for r in top],
            {"share of tokens (%)": [r["percent"] for r in top]},
            f"Top {len(top)} words (function words left out)",
            "word",
            "share of non-function-word tokens (%)",
        )
        parts += [
            md.heading(3, f"Top {len(top)} words"),
            f"Function words ({len(STOPWORDS)} of them, e.g. *a, the, of*) are left out here.",
            md.image("Top words", WORDS_PLOT),
            md.table(
                ["Word", "Count", "% of tokens"],
                [[r["word"], r["n"], md.number(r["percent"], 2)] for r in top],
                ["left", "right", "right"],
            ),
        ]
    return "\n\n".join(parts)


def _category_section(rows: list[dict[str, Any]], out: Path) -> str:
    title = md.heading(2, "Videos per category")
    if not rows or all(r["category_id"] is None for r in rows):
        return f"{title}\n\n_This dataset has no video categories._"
    splits = sorted({r["split"] for r in rows})
    names: dict[Any, str] = {}
    counts: dict[Any, dict[str, int]] = {}
    for r in rows:
        names[r["category_id"]] = r["name"]
        counts.setdefault(r["category_id"], {})[r["split"]] = r["n_videos"]
    keys = list(names)
    plots.grouped_bars(
        out / CATEGORY_PLOT,
        [names[k] for k in keys],
        {s: [counts[k].get(s) for k in keys] for s in splits},
        "Videos per category and split",
        "category",
        "videos",
    )
    return "\n\n".join(
        [
            title,
            md.image("Videos per category and split", CATEGORY_PLOT),
            md.table(
                ["Category", *splits],
                [[names[k], *(counts[k].get(s, 0) for s in splits)] for k in keys],
                ["left"] + ["right"] * len(splits),
            ),
        ]
    )


def _sql_note() -> str:
    return md.section(
        "Reproduce in SQL",
        "Every table above is one query in `sql/reports/eda_*.sql` with `$dataset` bound; "
        "in the DuckDB shell (`vtr shell WAREHOUSE`), for example:",
        md.code_block(
            "SELECT word, count(*) AS n FROM caption_words\n"
            "WHERE dataset = 'NAME' GROUP BY word ORDER BY n DESC LIMIT 25;",
            "sql",
        ),
    )


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
