"""The step grounding report: DP vs top-1 per variant pair, and one video's alignment.

Each row of the metrics table is `vtr predict steps` on the chosen split with the drop
quantile tuned on the validation split; the metrics are `sql/metrics/steps.sql`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from vtr.errors import ReportError
from vtr.models.step_data import load_step_videos
from vtr.models.step_predict import METHODS, predict_steps, predict_video, similarity, tune_drop
from vtr.reports import markdown as md
from vtr.reports.plots import DPI, plain_label
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.step_evals import STEP_METRIC_KEYS

MATRIX_PLOT = "alignment.png"


def write_steps_report(
    wh: Warehouse,
    dataset: str,
    pairs: list[tuple[str, str, str]],
    split: str = "test",
    tune_split: str | None = "val",
    out_dir: Path | None = None,
) -> tuple[Path, list[dict[str, Any]]]:
    """Report `pairs` of (label, text variant, video variant); return (report.md, rows)."""
    rows = []
    for label, text, video in pairs:
        for method in METHODS:
            q = tune_drop(wh, dataset, text, video, method, tune_split) if tune_split else 0.5
            summary = predict_steps(wh, dataset, split, text, video, method, q)
            rows.append({"label": label, "method": method, "drop_quantile": q, **summary})
    out = Path(out_dir) if out_dir is not None else wh.root / "reports" / f"steps-{split}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        label, text, video = pairs[-1]
        picture = _alignment_section(wh, dataset, split, text, video, rows, label, out)
        sections = [
            md.heading(1, f"Step grounding: {dataset} / {split}"),
            _metrics_section(rows, tune_split),
            picture,
        ]
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(f"cannot write the steps report to {out}: {err}") from None
    return path, rows


def _metrics_section(rows: list[dict[str, Any]], tune_split: str | None) -> str:
    headers = ["Variants", "Aligner", "Drop q", *STEP_METRIC_KEYS, "Steps"]
    table = [
        [
            r["label"],
            "monotonic DP" if r["method"] == "dp" else "per-step top-1",
            md.number(r["drop_quantile"], 1),
            *(md.number(r["metrics"][k], 2) for k in STEP_METRIC_KEYS),
            r["n_steps"],
        ]
        for r in rows
    ]
    tuned = f"tuned on the {tune_split} split" if tune_split else "fixed at 0.5"
    variants = "\n".join(
        f"- **{md.escape(r['label'])}**: text {md.code_span(r['text_variant'])}, "
        f"video {md.code_span(r['video_variant'])}"
        for r in rows[:: len(METHODS)]
    )
    return md.section(
        "Metrics",
        "R@k at IoU > t: a step is found when one of its first k windows overlaps the "
        "annotation with IoU strictly above t; mIoU of the first window; percent "
        f"(`sql/metrics/steps.sql`). The background value (drop) is a quantile of each "
        f"video's similarities, {tuned}.",
        md.table(headers, table, ["left", "left"] + ["right"] * (len(headers) - 2)),
        variants,
    )


def _alignment_section(wh, dataset, split, text, video, rows, label, out: Path) -> str:
    videos = load_step_videos(wh, dataset, split, text, video)
    shown = max(videos, key=lambda v: len(v.qids))
    quantile = {r["method"]: r["drop_quantile"] for r in rows if r["label"] == label}
    predicted = {m: predict_video(shown, m, quantile[m]) for m in METHODS}
    sim = similarity(shown)
    fig, ax = plt.subplots(figsize=(min(16, 2 + 0.18 * sim.shape[1]), 1.2 + 0.55 * len(sim)))
    try:
        extent = (float(shown.chunk_start[0]), float(shown.chunk_end[-1]), len(sim) - 0.5, -0.5)
        image = ax.imshow(sim, aspect="auto", cmap="viridis", extent=extent)
        for i in range(len(sim)):
            start, end = shown.windows[i]
            ax.add_patch(
                plt.Rectangle(
                    (start, i - 0.45), end - start, 0.9, fill=False, edgecolor="white", linewidth=2
                )
            )
            for method, style in (("dp", "-"), ("top1", ":")):
                s, e = predicted[method][i]["pred_windows"][0][:2]
                ax.plot(
                    [s, e],
                    [i + 0.3, i + 0.3],
                    style,
                    color="red" if method == "dp" else "orange",
                    linewidth=3,
                )
        ax.set_yticks(range(len(sim)))
        ax.set_yticklabels([plain_label(q, 40) for q in shown.queries], fontsize=8)
        ax.set_xlabel("time (s)")
        ax.set_title(plain_label(f"{shown.video_id}: step x chunk similarity ({label})", 90))
        fig.colorbar(image, ax=ax, fraction=0.03)
        fig.tight_layout()
        fig.savefig(out / MATRIX_PLOT, dpi=DPI)
    finally:
        plt.close(fig)
    return md.section(
        f"One video: {shown.video_id}",
        "Cosine similarity of each step (rows, in order) with each 2-s chunk; white boxes "
        "= annotated windows, red line = monotonic DP window, orange dotted = per-step "
        "top-1 window.",
        md.image("step by chunk similarity with annotated and predicted windows", MATRIX_PLOT),
    )
