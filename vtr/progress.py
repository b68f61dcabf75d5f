"""Progress for long work, on stderr so stdout stays machine-readable.

On a terminal (or in a notebook) a live bar with count, rate and time left. Anywhere
else (a log file, `nohup`, a batch scheduler's output) a plain line per task every
`VTR_PROGRESS_INTERVAL` seconds (default 10) and one when it ends, e.g.

    video open_clip:ViT-B-32: 120/300 (40%), 8.1 items/s, ETA 0:00:22

A task may name its unit (`add_task(..., unit="epochs")`) and carry a `status` text
(`update(task, status="val/R@1 12.38")`) shown after the rate.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

INTERVAL_VARIABLE = "VTR_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0


def rate(task: Task) -> float | None:
    """Items per second since the task started (None before any time has passed)."""
    elapsed = task.finished_time if task.finished_time is not None else task.elapsed
    if not elapsed:
        return None
    return task.completed / elapsed


def _unit(task: Task) -> str:
    return task.fields.get("unit", "items")


class RateColumn(ProgressColumn):
    """`12.3 items/s`, in the task's own unit."""

    def render(self, task: Task) -> Text:
        speed = rate(task)
        text = f"{speed:.1f} {_unit(task)}/s" if speed is not None else f"- {_unit(task)}/s"
        return Text(text, style="progress.data.speed")


class StatusColumn(ProgressColumn):
    """The task's `status` text (e.g. the latest validation metric), if any."""

    def render(self, task: Task) -> Text:
        return Text(str(task.fields.get("status", "")))


def progress_line(task: Task) -> str:
    """One plain line: description, count/total (percent), rate, ETA or time taken, status."""
    unit = _unit(task)
    count = f"{task.completed:g}"
    if task.total is not None:
        count += f"/{task.total:g} {unit}"
        if task.total:
            count += f" ({100 * task.completed / task.total:.0f}%)"
    else:
        count += f" {unit}"
    parts = [f"{task.description.strip()}: {count}"]
    speed = rate(task)
    parts.append(f"{speed:.1f} {unit}/s" if speed is not None else f"- {unit}/s")
    if task.finished:
        parts.append(f"done in {_clock(task.finished_time or 0)}")
    elif speed and task.total is not None:
        parts.append(f"ETA {_clock((task.total - task.completed) / speed)}")
    else:
        parts.append("ETA -")
    if status := task.fields.get("status"):
        parts.append(str(status))
    return ", ".join(parts)


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=max(0, round(seconds))))


def progress_interval() -> float:
    """Seconds between plain progress lines: $VTR_PROGRESS_INTERVAL, else 10."""
    value = os.environ.get(INTERVAL_VARIABLE)
    if value is None:
        return DEFAULT_INTERVAL
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        print(
            f"warning: {INTERVAL_VARIABLE}={value!r} is not a positive number of seconds; "
            f"using {DEFAULT_INTERVAL:g}",
            file=sys.stderr,
            flush=True,
        )
        return DEFAULT_INTERVAL
    return seconds


class _LineReporter:
    """A thread printing `progress_line` of each unfinished task every `interval` seconds;
    on exit one last line for every task not yet reported finished."""

    def __init__(self, progress: Progress, interval: float) -> None:
        self.progress, self.interval = progress, interval
        self._stop = threading.Event()
        self._reported: set[int] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="vtr-progress", daemon=True)

    def __enter__(self) -> _LineReporter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.report()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.report()

    def report(self) -> None:
        with self._lock:
            for task in self.progress.tasks:
                if task.id in self._reported:
                    continue
                if task.finished:
                    self._reported.add(task.id)
                print(progress_line(task), file=sys.stderr, flush=True)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A rich Progress on stderr: a live bar on a terminal, plain timed lines elsewhere;
    disabled it still accepts tasks and updates silently."""
    console = Console(stderr=True)
    live = enabled and (console.is_terminal or console.is_jupyter)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        StatusColumn(),
        console=console,
        disable=not live,
        transient=False,
    )
    with progress:
        if enabled and not live:
            with _LineReporter(progress, progress_interval()):
                yield progress
        else:
            yield progress
