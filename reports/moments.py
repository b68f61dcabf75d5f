"""Moment retrieval / highlight detection report: metrics, length buckets, saliency
curves of the best and worst queries, and the caption-augmentation ablation.

Every number comes from SQL: the metric files (`sql/metrics/moments_*.sql`) and the
report queries in `sql/reports/moment_*.sql`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vtr.errors import ReportError
from vtr.reports import markdown as md
from vtr.reports.plots import _save, plain_label, plt
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.moment_evals import moment_metrics

BRIEF = (
    "MR-full-R1@0.5",
    "MR-full-R1@0.7",
    "MR-full-mAP@0.5",
    "MR-full-mAP@0.75",
    "MR-full-mAP",
    "HL-min-Fair-mAP",
    "HL-min-Fair-Hit1",
    "HL-min-VeryGood-mAP",
    "HL-min-VeryGood-Hit1",
)
BUCKETS = ("short", "middle", "long", "full")
N_CURVES = 2  # best and worst queries shown


def label_of(row: dict[str, Any]) -> str:
    """A readable name of a prediction set from its config."""
    config = json.loads(row["config"]) if isinstance(row["config"], str) else row["config"]
    if config.get("method") == "head":
        return "trained head" + (" + captions" if config.get("captions") else "")
    if config.get("method") == "zero-shot":
        return f"zero-shot ({config.get('source', 'clips')})"
    return f"set {row['pred_id']} ({row['source']})"


def write_moments_report(
    wh: Warehouse, pred_ids: Sequence[int], out_dir: Path, curves_of: int | None = None
) -> Path:
    """Write `out_dir/report.md` (+ PNGs) comparing prediction sets; return its path.

    Saliency curves are drawn for the best and worst queries of `curves_of` (default: the
    last set). Each set is scored on the queries it predicts.
    """
    sets = wh.rows("reports/moment_prediction_sets", {"pred_ids": list(pred_ids)})
    if len(sets) != len(set(pred_ids)):
        known = {row["pred_id"] for row in sets}
        raise ReportError(f"unknown prediction set(s): {sorted(set(pred_ids) - known)}")
    for row in sets:
        row["label"] = label_of(row)
        row["metrics"] = moment_metrics(wh, row["dataset"], row["pred_id"], only_predicted=True)
    focus = next(r for r in sets if r["pred_id"] == (curves_of or sets[-1]["pred_id"]))
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        sections = [
            md.heading(1, f"Moment retrieval and highlight detection: {sets[0]['dataset']}"),
            _metrics_section(sets),
            _length_section(wh, sets),
            _curves_section(wh, focus, out),
            _ablation_section(sets),
        ]
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(f"cannot write the moments report to {out}: {err}") from None
    return path


def _metrics_section(sets: list[dict[str, Any]]) -> str:
    rows = [
        [
            f"{r['label']} (set {r['pred_id']})",
            *(md.number(r["metrics"]["brief"][k]) for k in BRIEF),
        ]
        for r in sets
    ]
    note = (
        "Official QVHighlights definitions (percentages): MR = moment retrieval over IoU "
        "thresholds, HL = highlight detection at Fair (>= 2) and VeryGood (>= 4)."
    )
    return md.section(
        "Metrics",
        note,
        md.table(["predictor", *BRIEF], rows, ["left"] + ["right"] * len(BRIEF)),
    )


def _length_section(wh: Warehouse, sets: list[dict[str, Any]]) -> str:
    headers = ["predictor", "bucket", "queries", "R1@0.5", "R1@0.7", "mAP@0.5", "mAP"]
    rows = []
    for r in sets:
        counts = {
            row["bucket"]: row["n_queries"]
            for row in wh.rows(
                "metrics/moments_mr",
                {"dataset": r["dataset"], "pred_id": r["pred_id"], "only_predicted": True},
            )
        }
        for bucket in BUCKETS:
            m = r["metrics"].get(bucket)
            if m is None:
                rows.append([r["label"], bucket, "0", md.DASH, md.DASH, md.DASH, md.DASH])
                continue
            rows.append(
                [
                    r["label"],
                    bucket,
                    str(counts.get(bucket, 0)),
                    md.number(m["MR-R1"]["0.5"]),
                    md.number(m["MR-R1"]["0.7"]),
                    md.number(m["MR-mAP"]["0.5"]),
                    md.number(m["MR-mAP"]["average"]),
                ]
            )
    note = "Ground-truth window length: short <= 10 s < middle <= 30 s < long."
    return md.section(
        "By window length",
        note,
        md.table(headers, rows, ["left", "left"] + ["right"] * 5),
    )


def _curves_section(wh: Warehouse, focus: dict[str, Any], out: Path) -> str:
    params = {"dataset": focus["dataset"], "pred_id": focus["pred_id"]}
    ranked = wh.rows("reports/moment_queries", params)
    if not ranked:
        return ""
    chosen = [("best", q) for q in ranked[:N_CURVES]]
    chosen += [("worst", q) for q in ranked[-N_CURVES:] if q not in ranked[:N_CURVES]]
    parts = [
        md.heading(2, f"Saliency curves: {focus['label']} (set {focus['pred_id']})"),
        "Queries ranked by the IoU of the top window with the ground truth; annotated = "
        "mean of the three annotators (0-4), predicted = the set's clip scores (own scale).",
    ]
    for kind, query in chosen:
        curve = wh.rows(
            "reports/moment_saliency_curve", {**params, "qid": query["qid"], "clip_len": 2.0}
        )
        name = f"saliency_{kind}_{query['qid']}.png"
        _plot_curve(out / name, curve, f"{kind}: {query['query']}")
        parts.append(
            f"**{kind}** qid {query['qid']} ({md.code_span(query['query'])}): top-1 IoU "
            f"{md.number(query['top1_iou'])}, annotated score of the top clip "
            f"{md.number(query['top_clip_saliency'])}\n\n{md.image(kind, name)}"
        )
    return "\n\n".join(parts)


def _plot_curve(path: Path, curve: list[dict[str, Any]], title: str) -> Path:
    x = [row["clip_idx"] * 2 for row in curve]
    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.plot(x, [row["annotated"] for row in curve], color="#C44E52", label="annotated (0-4)")
    ax.set_xlabel("seconds")
    ax.set_ylabel("annotated")
    twin = ax.twinx()
    twin.plot(x, [row["predicted"] or 0.0 for row in curve], color="#4C72B0", label="predicted")
    twin.set_ylabel("predicted")
    ax.set_title(plain_label(title, 70))
    fig.legend(loc="upper right", fontsize=7)
    return _save(fig, path)


def _ablation_section(sets: list[dict[str, Any]]) -> str:
    by_label = {r["label"]: r for r in sets}
    pairs = [
        ("trained head", "trained head + captions"),
        ("zero-shot (clips)", "zero-shot (captions)"),
    ]
    rows = []
    for without, with_captions in pairs:
        if without in by_label and with_captions in by_label:
            a, b = (
                by_label[without]["metrics"]["brief"],
                by_label[with_captions]["metrics"]["brief"],
            )
            rows.append([f"{with_captions} vs {without}", *(md.number(b[k] - a[k]) for k in BRIEF)])
    if not rows:
        return ""
    note = (
        "Difference (with captions minus without) in percentage points. Captions are "
        "per-clip texts embedded by the text backbone: the head fuses them with the clip "
        "features; zero-shot compares the query with the caption instead of the clip."
    )
    return md.section(
        "Caption augmentation",
        note,
        md.table(["comparison", *BRIEF], rows, ["left"] + ["right"] * len(BRIEF)),
    )
