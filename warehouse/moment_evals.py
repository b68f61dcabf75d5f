"""Moment retrieval / highlight detection predictions and their metrics (SQL).

A prediction set (a QVHighlights-format predictions file, or a predictor run) is
stored in `moment_pred_windows` / `moment_pred_saliency`; the metrics are the
SQL files `sql/metrics/moments_mr.sql` and `moments_hl.sql`, which follow the
official QVHighlights evaluation. Keys and nesting of `moment_metrics` are those
of the official output, unrounded.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from vtr.errors import AnnotationError, PredictionError
from vtr.ingest.jsonl import read_jsonl
from vtr.ingest.moments import load_moments_jsonl, register_moments
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.migrations import migrate
from vtr.warehouse.queries import registered

PRED_WINDOW_SCHEMA = pa.schema(
    [
        ("qid", pa.int64()),
        ("rank", pa.int32()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
        ("score", pa.float64()),
    ]
)
PRED_SALIENCY_SCHEMA = pa.schema(
    [("qid", pa.int64()), ("clip_idx", pa.int32()), ("score", pa.float64())]
)
BUCKETS = ("full", "short", "middle", "long")
LEVELS = ("Fair", "Good", "VeryGood")


def predictions_from_records(
    records: list[dict[str, Any]], source: str = "predictions"
) -> tuple[pa.Table, pa.Table]:
    """(windows, saliency) Arrow tables of QVHighlights-format prediction records.

    Each record: `qid`, `pred_relevant_windows` [[start, end, score], ...] and/or
    `pred_saliency_scores` [score per clip]. PredictionError names the qid and cause.
    """
    windows: list[dict[str, Any]] = []
    saliency: list[dict[str, Any]] = []
    seen: set[int] = set()
    with_scores = False
    without_scores: tuple[int, Any] | None = None
    for i, rec in enumerate(records):
        qid = rec.get("qid")
        where = f"{source}: prediction {i} (qid {qid!r})"
        if isinstance(qid, bool) or not isinstance(qid, int):
            raise PredictionError(f"{where}: 'qid' must be an integer")
        if qid in seen:
            raise PredictionError(f"{where}: qid {qid} is predicted twice")
        seen.add(qid)
        pred_windows = rec.get("pred_relevant_windows") or []
        if not isinstance(pred_windows, list):
            raise PredictionError(
                f"{where}: 'pred_relevant_windows' must be a list of [start, end, score], "
                f"not {pred_windows!r}"
            )
        for rank, w in enumerate(pred_windows):
            if not (isinstance(w, list) and len(w) == 3 and all(_finite(v) for v in w)):
                raise PredictionError(
                    f"{where}: predicted window {rank} {w!r} is not [start, end, score]"
                )
            if w[0] > w[1]:
                raise PredictionError(
                    f"{where}: predicted window {rank} {w!r} is reversed (start > end)"
                )
            windows.append(
                {"qid": qid, "rank": rank, "start_s": w[0], "end_s": w[1], "score": w[2]}
            )
        scores = rec.get("pred_saliency_scores") or []
        if scores and without_scores is not None:
            raise PredictionError(
                f"{source}: prediction {without_scores[0]} (qid {without_scores[1]!r}) has no "
                "'pred_saliency_scores' while others have them; highlight metrics need "
                "scores for every query"
            )
        if scores:
            with_scores = True
        elif with_scores:
            raise PredictionError(
                f"{where}: no 'pred_saliency_scores' while earlier predictions have them; "
                "highlight metrics need scores for every query"
            )
        elif without_scores is None:
            without_scores = (i, qid)
        if not isinstance(scores, list) or not all(_finite(s) for s in scores):
            raise PredictionError(f"{where}: 'pred_saliency_scores' must be a list of numbers")
        saliency += [{"qid": qid, "clip_idx": c, "score": s} for c, s in enumerate(scores)]
    return (
        pa.Table.from_pylist(windows, PRED_WINDOW_SCHEMA),
        pa.Table.from_pylist(saliency, PRED_SALIENCY_SCHEMA),
    )


def store_predictions(
    wh: Warehouse,
    dataset: str,
    windows: pa.Table,
    saliency: pa.Table,
    source: str,
    config: dict[str, Any] | None = None,
) -> int:
    """Store one prediction set; return its pred_id."""
    with wh.transaction():
        pred_id = wh.sql(
            "moments/insert_prediction",
            {"dataset": dataset, "source": source, "config": json.dumps(config or {})},
        ).fetchone()[0]
        for view, table, name in (
            ("moment_pred_windows_in", windows, "moments/write_pred_windows"),
            ("moment_pred_saliency_in", saliency, "moments/write_pred_saliency"),
        ):
            with registered(wh.con, view, table):
                wh.sql(name, {"pred_id": pred_id})
    return pred_id


def moment_metrics(
    wh: Warehouse,
    dataset: str,
    pred_id: int,
    clip_len: float = 2.0,
    only_predicted: bool = False,
) -> dict[str, Any]:
    """The official-format metrics dict ("brief", "full", "short", ..., "HL-min-Fair", ...).

    Every number is a percentage, unrounded. Moment retrieval metrics appear when the set
    has predicted windows, highlight metrics when it has saliency scores. The set must
    predict every query of the dataset, unless `only_predicted` (then the queries it
    predicts are scored, e.g. one split).
    """
    params = {"dataset": dataset, "pred_id": pred_id, "only_predicted": only_predicted}
    _check_coverage(wh, params)
    result: dict[str, Any] = {}
    brief: dict[str, float] = {}
    mr_rows = wh.rows("metrics/moments_mr", params)
    if mr_rows:
        for bucket in BUCKETS:
            rows = [r for r in mr_rows if r["bucket"] == bucket and r["mAP"] is not None]
            if not rows:
                continue
            m_ap = {_thr(r["thr"]): 100 * r["mAP"] for r in rows}
            m_ap["average"] = sum(100 * r["mAP"] for r in rows) / len(rows)
            r1 = {_thr(r["thr"]): 100 * r["R1"] for r in rows}
            result[bucket] = {"MR-mAP": m_ap, "MR-R1": r1}
    if "full" in result:
        full = result["full"]
        brief.update(
            {
                "MR-full-R1@0.5": full["MR-R1"].get("0.5"),
                "MR-full-R1@0.7": full["MR-R1"].get("0.7"),
                "MR-full-mAP": full["MR-mAP"].get("average"),
                "MR-full-mAP@0.5": full["MR-mAP"].get("0.5"),
                "MR-full-mAP@0.75": full["MR-mAP"].get("0.75"),
            }
        )
        for bucket in ("long", "middle", "short"):
            if bucket in result:
                brief[f"MR-{bucket}-mAP"] = result[bucket]["MR-mAP"]["average"]
    hl_params = {"dataset": dataset, "pred_id": pred_id, "clip_len": clip_len}
    for row in wh.rows("metrics/moments_hl", hl_params):
        name = f"HL-min-{row['level']}"
        result[name] = {"HL-mAP": 100 * row["mAP"], "HL-Hit1": 100 * row["Hit1"]}
        brief[f"{name}-mAP"] = 100 * row["mAP"]
        brief[f"{name}-Hit1"] = 100 * row["Hit1"]
    if not brief:
        raise PredictionError(f"prediction set {pred_id} holds no windows and no saliency scores")
    return {"brief": brief, **dict(sorted(result.items()))}


def evaluate_files(gt_path: Path, pred_path: Path, clip_len: float = 2.0) -> dict[str, Any]:
    """Metrics of a predictions JSONL against a ground-truth JSONL, in an in-memory DuckDB."""
    if not (math.isfinite(clip_len) and clip_len > 0):
        raise PredictionError(f"--clip-len must be a positive number of seconds, not {clip_len}")
    gt = load_moments_jsonl(gt_path, clip_len=clip_len)
    records = [item for _, item in read_jsonl(Path(pred_path))]
    windows, saliency = predictions_from_records(records, str(pred_path))
    con = duckdb.connect(":memory:")
    migrate(con)
    wh = Warehouse(Path(":memory:"), con, read_only=False)
    try:
        register_moments(wh, "gt", gt)
        pred_id = store_predictions(wh, "gt", windows, saliency, str(pred_path))
        return moment_metrics(wh, "gt", pred_id, clip_len)
    finally:
        wh.close()


def store_prediction_file(
    wh: Warehouse, dataset: str, pred_path: Path, label: str, clip_len: float = 2.0
) -> tuple[int, dict[str, Any]]:
    """Store another system's predictions JSONL as a prediction set of `dataset` named
    `label` (its `source`); return (pred_id, its metrics over the queries it predicts)."""
    if not label.strip():
        raise PredictionError("--name must not be empty: it is how reports show this result")
    records = [item for _, item in read_jsonl(Path(pred_path))]
    windows, saliency = predictions_from_records(records, str(pred_path))
    config = {"file": str(Path(pred_path).resolve()), "label": label, "clip_len": clip_len}
    pred_id = store_predictions(wh, dataset, windows, saliency, label, config)
    return pred_id, moment_metrics(wh, dataset, pred_id, clip_len, only_predicted=True)


def _check_coverage(wh: Warehouse, params: dict[str, Any]) -> None:
    """The predictions must cover exactly the labelled queries, as the reference requires."""
    dataset, pred_id = params["dataset"], params["pred_id"]
    row = wh.rows("moments/coverage", params)[0]
    if row["n_queries"] == 0:
        raise AnnotationError(f"dataset {dataset!r} holds no moment queries")
    if row["unlabelled"]:
        raise AnnotationError(
            f"dataset {dataset!r} has {len(row['unlabelled'])} queries without relevant windows "
            f"(e.g. qid {row['unlabelled'][0]}); metrics need a labelled split"
        )
    if row["missing"]:
        raise PredictionError(
            f"prediction set {pred_id} has no prediction for {len(row['missing'])} queries "
            f"(e.g. qid {row['missing'][0]})"
        )
    if row["extra"]:
        raise PredictionError(
            f"prediction set {pred_id} predicts {len(row['extra'])} qids that dataset "
            f"{dataset!r} does not hold (e.g. qid {row['extra'][0]})"
        )


def _thr(value: float) -> str:
    return str(float(f"{value:.2f}"))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
