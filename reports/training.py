"""The report of one training run: baseline vs trained, side by side.

`report.md` + PNGs in one folder: overall and per-query-length metrics of a baseline
evaluation next to the evaluation of the run's written-back variants (recall chart), the
loss and validation R@1 curves per epoch, and the similarity distributions of matching vs
non-matching pairs before and after. Numbers come from `sql/metrics/retrieval.sql` (through
`vtr.warehouse.evals`) and `sql/reports/train_*.sql` / `score_*.sql`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vtr.errors import ReportError, TrainInputError
from vtr.reports import markdown as md
from vtr.reports import plots
from vtr.reports.retrieval import HIST_BINS, LENGTH_BUCKETS, histogram_arrays
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.evals import get_eval, metrics_by_length, retrieval_metrics
from vtr.warehouse.metric_defs import metric, metric_names, percent_metrics

RECALL_PLOT = "recall_baseline_vs_trained.png"
LOSS_PLOT = "loss_curves.png"
VAL_PLOT = "val_recall_curve.png"
SCORE_PLOTS = {"baseline": "similarity_baseline.png", "trained": "similarity_trained.png"}


def default_training_report_dir(wh: Warehouse, run_id: int) -> Path:
    return wh.root / "reports" / f"train-{int(run_id)}"


def training_run(wh: Warehouse, run_id: int) -> dict[str, Any]:
    """The catalog record of a training run; TrainInputError listing the known ones."""
    rows = wh.rows("reports/train_run", {"run_id": run_id})
    if not rows:
        known = [r[0] for r in wh.con.execute("SELECT run_id FROM train_runs").fetchall()]
        raise TrainInputError(f"no training run {run_id} (known: {known or 'none yet'})")
    return rows[0]


def write_training_report(
    wh: Warehouse,
    run_id: int,
    baseline_eval: int | None = None,
    out_dir: Path | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Write the report of training run `run_id`; return the path of `report.md`.

    `baseline_eval` defaults to the latest evaluation of the same dataset and split with
    ingested (not trained) variants (`sql/reports/train_baseline.sql`).
    """
    run = training_run(wh, run_id)
    trained = get_eval(wh, run["test_eval"])
    if baseline_eval is None:
        found = wh.rows(
            "reports/train_baseline", {"dataset": run["dataset"], "split": trained["split"]}
        )
        if not found:
            raise TrainInputError(
                f"no baseline evaluation of {run['dataset']!r} / {trained['split']!r} with "
                "ingested variants; run `vtr eval` on one, or pass --baseline"
            )
        baseline_eval = int(found[0]["eval_id"])
    evals = {"baseline": baseline_eval, "trained": int(run["test_eval"])}
    out = Path(out_dir) if out_dir is not None else default_training_report_dir(wh, run_id)
    try:
        out.mkdir(parents=True, exist_ok=True)
        sections = [
            _header(wh, run, evals, notes or []),
            _comparison(wh, evals, out),
            _curves(wh.rows("reports/train_curves", {"run_id": run_id}), out),
            _similarity(wh, evals, out),
        ]
        path = md.write_document(out, sections)
    except OSError as err:
        raise ReportError(f"cannot write the report of run {run_id} to {out}: {err}") from None
    return path


def _header(wh: Warehouse, run: dict, evals: dict[str, int], notes: list[str]) -> str:
    config = json.loads(run["config"]) if run["config"] else {}
    baseline = get_eval(wh, evals["baseline"])
    setup = ", ".join(
        f"{key} {config[key]}"
        for key in ("epochs", "batch_size", "lr", "schedule", "temperature", "seed")
        if key in config
    )
    tower = config.get("tower", "?")
    lines = [
        md.heading(1, f"Training report: run {run['run_id']}"),
        "",
        f"- **Dataset:** {md.escape(run['dataset'])}",
        f"- **Head / loss:** {md.escape(run['head'])} on tower {md.escape(tower)} / "
        f"{md.escape(run['loss'])}; {md.escape(setup)}",
        f"- **Trained on:** {md.code_span(run['text_variant'])} × "
        f"{md.code_span(run['video_variant'])}",
        f"- **Wrote:** {md.code_span(run['out_text_variant'])} and "
        f"{md.code_span(run['out_video_variant'])}",
        f"- **Baseline (eval {evals['baseline']}):** {md.code_span(baseline['text_variant'])} × "
        f"{md.code_span(baseline['video_variant'])}"
        + ("" if baseline["coverage"] == "full" else f" (partial: {baseline['coverage']})"),
        f"- **Trained (eval {evals['trained']}):** best validation R@1 "
        f"{md.number(run['best_val_r1'])}; checkpoint {md.code_span(run['checkpoint'])}",
    ]
    return "\n".join(lines + [f"\n{note.strip()}" for note in notes if note.strip()])


def _comparison(wh: Warehouse, evals: dict[str, int], out: Path) -> str:
    overall = {name: retrieval_metrics(wh, eval_id) for name, eval_id in evals.items()}
    rows = [
        [f"{d.upper()} {name}", *(_fmt(k, overall[name][d][k]) for k in metric_names())]
        for d in ("t2v", "v2t")
        for name in evals
    ]
    lengths = {
        name: {r["bucket"]: r for r in metrics_by_length(wh, eval_id)}
        for name, eval_id in evals.items()
    }
    groups = ["all", *LENGTH_BUCKETS]
    series = {
        f"{name} {key}": [
            overall[name]["t2v"][key]
            if group == "all"
            else (lengths[name].get(group) or {}).get(key)
            for group in groups
        ]
        for key in percent_metrics()
        for name in evals
    }
    plots.recall_bars(
        out / RECALL_PLOT,
        [g if g == "all" else f"{g} words" for g in groups],
        series,
        "Text-to-video recall: baseline vs trained",
        "test captions (all, then by length)",
    )
    return md.section(
        "Baseline vs trained (test split)",
        md.table(["", *metric_names()], rows, ["left"] + ["right"] * len(metric_names())),
        md.image("T2V recall, baseline vs trained", RECALL_PLOT),
    )


def _curves(rows: list[dict[str, Any]], out: Path) -> str:
    title = md.heading(2, "Training curves")
    by_name: dict[str, tuple[list, list]] = {}
    for row in rows:
        xs, ys = by_name.setdefault(row["name"], ([], []))
        xs.append(row["epoch"])
        ys.append(row["value"])
    losses = {n: xy for n, xy in by_name.items() if n in ("train/loss", "val/loss")}
    if not losses:
        return f"{title}\n\n_No per-epoch metrics recorded for this run._"
    plots.line_chart(out / LOSS_PLOT, losses, "Loss per epoch", "epoch", "loss")
    parts = [title, md.image("loss per epoch", LOSS_PLOT)]
    if "val/R@1" in by_name:
        plots.line_chart(
            out / VAL_PLOT,
            {"val/R@1": by_name["val/R@1"]},
            "Validation T2V R@1 per epoch (SQL metrics)",
            "epoch",
            "R@1 (%)",
        )
        parts.append(md.image("validation R@1 per epoch", VAL_PLOT))
    return "\n\n".join(parts)


def _similarity(wh: Warehouse, evals: dict[str, int], out: Path) -> str:
    rows, images = [], []
    for name, eval_id in evals.items():
        params = {"eval_id": eval_id}
        stats = {r["matching"]: r for r in wh.rows("reports/score_stats", params)}
        if not stats:
            continue
        gap = stats[True]["mean"] - stats[False]["mean"] if len(stats) == 2 else None
        means = [md.number(stats[m]["mean"], 3) if m in stats else md.DASH for m in (True, False)]
        rows.append([name, *means, md.number(gap, 3)])
        hist = wh.rows("reports/score_distribution", {**params, "bins": HIST_BINS})
        edges, counts = histogram_arrays(hist)
        by_group = {("matching" if m else "non-matching"): r["mean"] for m, r in stats.items()}
        plots.score_histogram(
            out / SCORE_PLOTS[name], edges, counts, by_group, f"Similarity, {name} (eval {eval_id})"
        )
        images.append(md.image(f"similarity distribution, {name}", SCORE_PLOTS[name]))
    return md.section(
        "Similarity of matching vs non-matching pairs, before and after",
        md.table(["", "mean matching", "mean non-matching", "gap"], rows,
                 ["left", "right", "right", "right"]),
        *images,
    )  # fmt: skip


def _fmt(key: str, value: float | None) -> str:
    return md.number(value, metric(key).decimals)
