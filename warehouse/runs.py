"""Runs: one catalog row per ingest / eval / register, with its config and summary."""

from __future__ import annotations

import json
from typing import Any


def start_run(wh, kind: str, config: dict[str, Any]) -> int:
    row = wh.sql("runs/start", {"kind": kind, "config": json.dumps(config, default=str)})
    return int(row.fetchone()[0])


def finish_run(wh, run_id: int, status: str, summary: dict[str, Any]) -> None:
    wh.sql(
        "runs/finish",
        {"run_id": run_id, "status": status, "summary": json.dumps(summary, default=str)},
    )


def record_error(
    wh, run_id: int, dataset: str, item_id: str, stage: str, message: str, variant_id=None
) -> None:
    """Record one failed item: which item, at which stage, and why."""
    wh.sql(
        "ingest/record_error",
        {
            "run_id": run_id,
            "dataset": dataset,
            "item_id": item_id,
            "stage": stage,
            "variant_id": variant_id,
            "message": message,
        },
    )


def list_runs(wh) -> list[dict[str, Any]]:
    return wh.rows("runs/list")
