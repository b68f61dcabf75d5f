"""The sweep report: video pooling x text pooling -> MRR per layer, and MRR vs layer.

Rows come from one named query, `sql/reports/sweep_results.sql`: the latest
plain-cosine evaluation of every (text variant, video variant) pair that shares a
backbone and a layer (what `vtr eval --sweep` writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from vtr.errors import ReportError, UnknownEval
from vtr.reports import markdown as md
from vtr.reports import plots
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.metric_defs import DIRECTIONS, metric, retrieval_metric_defs

# The metric of the pooling grid and of the by-layer plot; the best cell lists them all.
SWEEP_METRIC = "MRR"


def default_sweep_dir(wh: Warehouse) -> Path:
    return wh.root / "reports" / "sweep"


def write_sweep_report(
    wh: Warehouse,
    dataset: str | None = None,
    split: str | None = None,
    out_dir: Path | None = None,
    notes: Sequence[str] = (),
) -> Path:
    """Write the sweep report of `dataset` / `split` (None: all); return report.md."""
    rows = wh.rows("reports/sweep_results", {"dataset": dataset, "split": split})
    if not rows:
        raise UnknownEval(
            "no sweep evaluations here (plain cosine, text and video variants of one backbone "
            "and layer); run `vtr eval WAREHOUSE --sweep --dataset NAME --split test` first"
        )
    out = Path(out_dir) if out_dir is not None else default_sweep_dir(wh)
    try:
        out.mkdir(parents=True, exist_ok=True)
        sections = [md.heading(1, "Layer and pooling sweep")]
        sections += [note.strip() for note in notes if note.strip()]
        sections.append(
            "Each cell is the MRR of the plain-cosine evaluation of one (video variant, text "
            "variant) pair of the same backbone and layer: rows are the video token pooling / "
            "temporal pooling, columns the text token pooling. `final` is the model's own "
            "output (`embed`)."
        )
        key = ("dataset", "split", "backbone")
        for number, (setup, group) in enumerate(groupby(rows, key=lambda r: [r[k] for k in key])):
            sections.append(_setup_section(setup, list(group), out, f"mrr_by_layer_{number}.png"))
        sections.append(
            f"{md.heading(2, 'Reproduce in SQL')}\n\nThe rows of every table: "
            "`sql/reports/sweep_results.sql` (`$dataset`, `$split`; NULL = all)."
        )
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(f"cannot write the sweep report to {out}: {err}") from None
    return path


def _setup_section(setup: list, rows: list[dict[str, Any]], out: Path, plot: str) -> str:
    dataset, split, backbone = setup
    parts = [md.heading(2, f"{backbone} on {dataset} / {split or 'all'}")]
    layers = list(dict.fromkeys(r["layer"] for r in rows))
    for layer in layers:
        parts.append(_layer_table(layer, [r for r in rows if r["layer"] == layer]))
    indexed = [r for r in rows if r["layer_index"] is not None]
    if indexed:
        _plot_by_layer(indexed, [r for r in rows if r["layer"] == "final"], out / plot, backbone)
        parts += [
            md.heading(3, "Best MRR by layer"),
            md.image(f"MRR by layer, {backbone}", plot),
        ]
    return "\n\n".join(parts)


def _layer_table(layer: str, rows: list[dict[str, Any]]) -> str:
    text_poolings = list(dict.fromkeys(r["text_pooling"] for r in rows))
    video_rows = list(dict.fromkeys((r["video_pooling"], r["temporal"]) for r in rows))
    cell = {(r["video_pooling"], r["temporal"], r["text_pooling"]): r for r in rows}
    table_rows = []
    for pooling, temporal in video_rows:
        cells = [f"{pooling} / {temporal}"]
        for text in text_poolings:
            found = cell.get((pooling, temporal, text))
            cells.append(
                "-" if found is None
                else " / ".join(_value(found, d) for d in DIRECTIONS)
            )  # fmt: skip
        table_rows.append(cells)
    best = max(rows, key=lambda r: r[f"t2v_{SWEEP_METRIC}"] or 0.0)
    return md.section(
        f"Layer {layer}: T2V MRR / V2T MRR",
        md.table(
            ["video pooling / temporal", *(f"text {t}" for t in text_poolings)],
            table_rows,
            ["left"] + ["right"] * len(text_poolings),
        ),
        f"Best T2V: video {md.code_span(best['video_pooling'] + ' / ' + best['temporal'])}, "
        f"text {md.code_span(best['text_pooling'])}: {_all_metrics(best)}.",
        level=3,
    )


def _plot_by_layer(rows: list[dict], final: list[dict], path: Path, backbone: str) -> None:
    layers = sorted({r["layer_index"] for r in rows})
    series = {}
    for direction in DIRECTIONS:
        best = {}
        for r in rows:
            value = r[f"{direction}_{SWEEP_METRIC}"]
            if value is not None:
                best[r["layer_index"]] = max(best.get(r["layer_index"], value), value)
        series[f"best {direction.upper()} MRR"] = [best.get(layer) for layer in layers]
    references = {
        f"final/embed {d.upper()} MRR (best)": max(r[f"{d}_{SWEEP_METRIC}"] for r in final)
        for d in DIRECTIONS
        if final and all(r[f"{d}_{SWEEP_METRIC}"] is not None for r in final)
    }
    plots.metric_lines(
        path, layers, series, f"MRR by layer: {backbone}", "layer", "MRR", references
    )


def _value(row: dict[str, Any], direction: str) -> str:
    return metric(SWEEP_METRIC).format(row[f"{direction}_{SWEEP_METRIC}"])


def _all_metrics(row: dict[str, Any]) -> str:
    return ", ".join(f"{m.name} {m.format(row[f't2v_{m.name}'])}" for m in retrieval_metric_defs())
