"""Run `vtr` commands in processes forked from one warm interpreter, to kill them cheaply.

Importing torch and open_clip takes seconds; a fault campaign that starts many `vtr
ingest` processes and kills them would spend its time importing. The forker is a
spawned interpreter that imports those once (but not Lance, which is not fork-safe,
and opens no catalog), then forks one child per command: the child runs the real CLI entry point
with that argv, so each run is a real `vtr` process that a test can SIGKILL.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

FORKER = r"""
import json, os, sys
# the slow imports, done once; Lance is not fork-safe, so each child imports it itself
import torch, open_clip, pyarrow, duckdb, decord  # noqa: F401
import vtr.cli.app, vtr.ingest.backbones.openclip, vtr.ingest.fanout  # noqa: F401
assert "lance" not in sys.modules and "lancedb" not in sys.modules

def child(request):
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    log = request["log"]
    os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND) if log else devnull, 2)
    crash = request.get("crash_before_marks")
    if crash:  # die between the Lance commits and the catalog commit of commit #crash
        from vtr.ingest import commit
        mark_done, seen = commit.Committer._mark_done, []
        def dying(self, *args):
            seen.append(1)
            if len(seen) == crash:
                os._exit(17)
            mark_done(self, *args)
        commit.Committer._mark_done = dying
    sys.argv = ["vtr", *request["argv"]]
    from vtr.cli import main
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    os._exit(code)

print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(request)
    print(json.dumps({"pid": pid}), flush=True)
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"status": os.waitstatus_to_exitcode(status), "cpu": cpu}), flush=True)
"""


@dataclass
class Outcome:
    exit_code: int  # negative: killed by that signal
    seconds: float
    killed: bool
    cpu_seconds: float


class CliForker:
    """A warm interpreter that forks `vtr` runs; use as a context manager."""

    def __init__(self, start_timeout: float = 120) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready", start_timeout)

    def _readline(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.proc.stdout], [], [], max(timeout, 0))
        return self.proc.stdout.readline().strip() if ready else None

    def _expect(self, what: str, timeout: float) -> str:
        line = self._readline(timeout)
        if line is None or what not in line:
            self.close()
            raise RuntimeError(f"forker did not answer {what!r} within {timeout} s: {line!r}")
        return line

    def run(
        self,
        argv: list[str],
        kill_when: Callable[[float], bool] | None = None,
        crash_before_marks: int | None = None,
        log: str | None = None,
        timeout: float = 120,
    ) -> Outcome:
        """Run `vtr *argv` (stderr appended to `log`).

        `kill_when(elapsed_seconds)` is polled every 10 ms while the run
        lasts; once it returns True the run is SIGKILLed.
        """
        request = {"argv": argv, "crash_before_marks": crash_before_marks, "log": log}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        pid = json.loads(self._expect("pid", 30))["pid"]
        started = time.perf_counter()
        killed = False
        while True:
            elapsed = time.perf_counter() - started
            line = self._readline(0.01)
            if line is not None:
                break
            if elapsed > timeout:
                os.kill(pid, signal.SIGKILL)
                self._readline(30)
                raise TimeoutError(f"vtr {' '.join(argv)} ran past {timeout} s")
            if not killed and kill_when is not None and kill_when(elapsed):
                os.kill(pid, signal.SIGKILL)  # not reaped yet (no status line), so still ours
                killed = True
        done = json.loads(line)
        return Outcome(done["status"], time.perf_counter() - started, killed, done["cpu"])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> CliForker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
