"""Step grounding metrics: Ego4D-NLQ-style R@k at IoU and mIoU, computed by SQL.

Ground truth and predictions become the relations `step_truth` and
`step_predictions`; `sql/metrics/steps.sql` defines every number.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from vtr.errors import AnnotationError, EvalInputError
from vtr.ingest.jsonl import read_jsonl
from vtr.ingest.steps import StepRow, load_steps
from vtr.warehouse.queries import query_dicts

STEP_METRIC_KEYS = ("R1@0.3", "R1@0.5", "R5@0.3", "R5@0.5", "mIoU")
STEP_PROTOCOLS = {
    "vtr": "every annotated step counts; one without predictions is a miss (default)",
    "ego4d": "averages over the steps with a predicted window, as the Ego4D NLQ "
    "evaluation averages over the predictions it receives",
}
PREDICTION_SCHEMA = pa.schema(
    [
        ("qid", pa.string()),
        ("rank", pa.int32()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
        ("score", pa.float64()),
    ]
)


def truth_table(rows: list[StepRow]) -> pa.Table:
    return pa.table(
        {
            "qid": pa.array([r.qid for r in rows], pa.string()),
            "start_s": pa.array([r.start for r in rows], pa.float64()),
            "end_s": pa.array([r.end for r in rows], pa.float64()),
        }
    )


def prediction_table(records: list[tuple[str, dict[str, Any]]]) -> pa.Table:
    """Rows of (where, {"qid", "pred_windows": [[start, end, score], ...]}) records.

    Windows keep the order given (best first); each is checked, and a qid predicted
    twice is an error naming both places.
    """
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for where, item in records:
        if "qid" not in item or not isinstance(item.get("pred_windows"), list):
            raise AnnotationError(f"{where}: needs 'qid' and a list 'pred_windows'")
        qid = str(item["qid"])
        if qid in seen:
            raise AnnotationError(f"{where}: qid {qid!r} is predicted again (first: {seen[qid]})")
        seen[qid] = where
        for rank, window in enumerate(item["pred_windows"]):
            if not (
                isinstance(window, list)
                and len(window) == 3
                and all(
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                    for v in window
                )
                and window[0] <= window[1]
            ):
                raise AnnotationError(
                    f"{where}: pred_windows[{rank}] {window!r} is not [start, end, score] "
                    "with start <= end"
                )
            rows.append(
                {
                    "qid": qid,
                    "rank": rank,
                    "start_s": window[0],
                    "end_s": window[1],
                    "score": window[2],
                }
            )
    return pa.Table.from_pylist(rows, PREDICTION_SCHEMA)


def evaluated_steps(truth: pa.Table, predictions: pa.Table, protocol: str = "vtr") -> int:
    """How many of the annotated steps `protocol` averages over."""
    if protocol == "vtr":
        return truth.num_rows
    return len(set(truth["qid"].to_pylist()) & set(predictions["qid"].to_pylist()))


def step_metrics(truth: pa.Table, predictions: pa.Table, protocol: str = "vtr") -> dict[str, float]:
    """{"R1@0.3", "R1@0.5", "R5@0.3", "R5@0.5", "mIoU"} in percent, unrounded, under
    `protocol` (STEP_PROTOCOLS)."""
    if protocol not in STEP_PROTOCOLS:
        raise EvalInputError(
            f"unknown step protocol {protocol!r}; choose one of {', '.join(STEP_PROTOCOLS)}"
        )
    if truth.num_rows == 0:
        raise EvalInputError("no ground-truth steps to evaluate")
    if evaluated_steps(truth, predictions, protocol) == 0:
        raise EvalInputError(f"no step has a predicted window to evaluate under {protocol!r}")
    unknown = set(predictions["qid"].to_pylist()) - set(truth["qid"].to_pylist())
    if unknown:
        raise EvalInputError(
            f"{len(unknown)} predicted qid(s) are not in the ground truth, e.g. "
            f"{sorted(unknown)[:3]}; are these the predictions of this file?"
        )
    con = duckdb.connect()
    try:
        con.register("step_truth", truth)
        con.register("step_predictions", predictions)
        (row,) = query_dicts(con, "metrics/steps", {"protocol": protocol})
    finally:
        con.close()
    return {key: float(row[key]) for key in STEP_METRIC_KEYS}


def step_tables(gt: str | Path, predictions: str | Path) -> tuple[pa.Table, pa.Table]:
    """(truth, predictions) tables of step annotations and a predictions JSONL."""
    pred = Path(predictions)
    records = [(f"{pred}:{n}", item) for n, item in read_jsonl(pred)]
    return truth_table(load_steps(gt)), prediction_table(records)


def step_metrics_from_files(
    gt: str | Path, predictions: str | Path, protocol: str = "vtr"
) -> dict[str, float]:
    """The metrics of a predictions JSONL against step annotations (see ingest.steps)."""
    return step_metrics(*step_tables(gt, predictions), protocol=protocol)
