"""Runs: one catalog row per ingest / train / import / register, with config and summary.

Every kind of run goes through `run_lifecycle`: the row is written `running` when the
work starts and always finished, `ok` (or the status the work sets) when it returns,
`failed` with the error when it raises anything, Ctrl-C included; a run that can resume
after a Ctrl-C (ingest) passes `on_interrupt` and ends `interrupted` instead.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse


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
def run_lifecycle(
    wh: Warehouse,
    kind: str,
    config: dict[str, Any],
    on_interrupt: Callable[[Run], BaseException] | None = None,
) -> Iterator[Run]:
    """Start a `kind` run with `config`; finish it however the block ends (see module doc).

    With `on_interrupt`, a Ctrl-C (see `by_ctrl_c`) ends the run `interrupted`:
    `on_interrupt(run)` may add to `run.summary` and returns the error raised instead.
    """
    run = Run(wh, start_run(wh, kind, config))
    try:
        yield run
    except BaseException as err:
        if run.finished:
            raise
        if on_interrupt is not None and by_ctrl_c(err):
            try:
                replacement = on_interrupt(run)
            finally:  # interrupted, even where saying what it kept fails
                finish_run(wh, run.id, "interrupted", run.summary)
            raise replacement from None
        error = f"{type(err).__name__}: {err}".rstrip(": ")
        finish_run(wh, run.id, "failed", {**run.summary, "error": error})
        raise
    if not run.finished:
        finish_run(wh, run.id, run.status, run.summary)


def by_ctrl_c(err: BaseException | None) -> bool:
    """Whether `err` is a KeyboardInterrupt or was raised because of one (DuckDB turns
    a Ctrl-C during a query into `RuntimeError: Query interrupted`)."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def start_run(wh: Warehouse, kind: str, config: dict[str, Any]) -> int:
    """Record a `running` run with this process's PID, host and start time."""
    pid = os.getpid()
    params = {"kind": kind, "config": json.dumps(config, default=str), "pid": pid}
    params |= {"host": socket.gethostname(), "process_started": process_started(pid)}
    return int(wh.sql("runs/start", params).fetchone()[0])


def process_started(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch, 0.01 s ticks); None where
    this system does not say (no /proc) or there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
    return round(boot + ticks / os.sysconf("SC_CLK_TCK"), 2)


def process_gone(pid: int | None, host: str | None, started: float | None) -> bool:
    """Whether the process a run recorded is known to be gone: same host, and no process
    with that PID, or one that started at another time (the PID was reused)."""
    if pid is None or host != socket.gethostname():
        return False  # another host's process cannot be looked at from here
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, owned by another user
    now = process_started(pid)
    return started is not None and now is not None and abs(now - started) > 1.0


def heartbeat(wh: Warehouse, run_id: int) -> None:
    """Note that run `run_id` is still making progress (at each commit)."""
    wh.sql("runs/heartbeat", {"run_id": run_id})


def finish_run(wh: Warehouse, run_id: int, status: str, summary: dict[str, Any]) -> None:
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


def list_runs(wh: Warehouse) -> list[dict[str, Any]]:
    """Every run; a `running` one whose process is gone (see `process_gone`) as `crashed`."""
    rows = wh.rows("runs/list")
    for row in rows:
        if row["status"] == "running" and process_gone(
            row["pid"], row["host"], row["process_started"]
        ):
            row["status"] = "crashed"
    return rows
