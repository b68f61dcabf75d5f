"""Runs: one catalog row per ingest / train / import / register, with config and summary.

Every kind of run goes through `run_lifecycle`: the row is written `running` when the
work starts and always finished, `ok` (or the status the work sets) when it returns,
`failed` with the error when it raises anything, Ctrl-C included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Run:
    """A running run: set `status` and `summary` before the block ends, or call `finish`."""

    wh: Any
    id: int
    status: str = "ok"
    summary: dict[str, Any] = field(default_factory=dict)
    finished: bool = False

    def finish(self, status: str, summary: dict[str, Any]) -> None:
        """End the run now (e.g. 'interrupted' with what it kept); the block's end is then
        a no-op for the row."""
        finish_run(self.wh, self.id, status, summary)
        self.finished = True


@contextmanager
def run_lifecycle(wh, kind: str, config: dict[str, Any]) -> Iterator[Run]:
    """Start a `kind` run with `config`; finish it however the block ends (see module doc)."""
    run = Run(wh, start_run(wh, kind, config))
    try:
        yield run
    except BaseException as err:
        if not run.finished:
            error = f"{type(err).__name__}: {err}".rstrip(": ")
            finish_run(wh, run.id, "failed", {**run.summary, "error": error})
        raise
    if not run.finished:
        finish_run(wh, run.id, run.status, run.summary)


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
