"""Who holds a DuckDB catalog, and how: the text of the CatalogBusy message.

DuckDB's lock error names the holder's PID. On Linux, /proc/PID/cmdline gives its
command line and /proc/locks whether its lock is shared (the file is open read-only,
e.g. an idle `vtr shell`) or exclusive (open for writing). Without /proc the message
says only what is known.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def holder_command(pid: int, arg_limit: int = 120) -> str | None:
    """The holder's command line, each argument on one line and shortened to `arg_limit`
    characters (a `python -c SCRIPT` stays readable); None when unreadable."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    parts = [" ".join(part.decode(errors="replace").split()) for part in raw.split(b"\0")]
    parts = [p if len(p) <= arg_limit else p[: arg_limit - 3] + "..." for p in parts if p]
    return " ".join(parts) or None


def holder_lock_mode(pid: int, path: Path) -> str | None:
    """'READ' (shared: open read-only) or 'WRITE' (open for writing) for the lock `pid`
    holds on `path`, from /proc/locks; None when it cannot be told."""
    try:
        inode = os.stat(path).st_ino
        lines = (PROC / "locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # "1: POSIX  ADVISORY  READ 22664 fe:00:2146577 0 EOF" (or "-> ..." for waiters)
        if len(fields) < 6 or fields[1] == "->":
            continue
        mode, owner, ident = fields[3], fields[4], fields[5]
        if owner == str(pid) and ident.rsplit(":", 1)[-1] == str(inode):
            return mode if mode in ("READ", "WRITE") else None
    return None


def _holder(path: Path, pid: int | None, read_only: bool) -> tuple[str, str | None]:
    """(who: "process PID (`command`)" or less, mode: 'READ' | 'WRITE' | None)."""
    command = holder_command(pid) if pid is not None else None
    mode = holder_lock_mode(pid, path) if pid is not None else None
    if read_only:  # read-only openers share the file: only a writer refuses one
        mode = "WRITE"
    who = (
        f"process {pid} (`{command}`)"
        if command
        else (f"process {pid}" if pid is not None else "another process")
    )
    return who, mode


def holder_summary(path: Path, pid: int | None, read_only: bool) -> str:
    """One line for the wait notice: who holds `path` and how."""
    who, mode = _holder(path, pid, read_only)
    how = {"READ": "open read-only", "WRITE": "open for writing"}.get(
        mode, "open (read-only or for writing: not known here)"
    )
    return f"held by {who}, {how}"


def busy_message(path: Path, pid: int | None, read_only: bool) -> str:
    """The CatalogBusy text: which process holds `path`, in which mode, and what to do."""
    holder = f"held by PID {pid}" if pid is not None else "held by another process"
    who, mode = _holder(path, pid, read_only)
    this = "read-only" if read_only else "read-write"
    if mode == "READ":
        return (
            f"catalog busy ({holder}): {path} is open read-only in {who}, e.g. a "
            "`duckdb -readonly` shell left idle or a long listing; DuckDB lets no process "
            f"write a file another process has open, so this {this} open has to wait until "
            "that process closes it (quit the shell)"
        )
    if mode == "WRITE":
        return (
            f"catalog busy ({holder}): {path} is open for writing in {who}, e.g. a "
            "`vtr ingest` committing, a running `vtr eval` or `vtr train`, or "
            "`vtr shell --write`; DuckDB allows one writing process and no other opener "
            f"meanwhile, so this {this} open has to wait until that process closes it"
        )
    return (
        f"catalog busy ({holder}): {path} is open in {who} (read-only or for writing: "
        "not known here); DuckDB lets no process write a file another process has open, "
        f"so this {this} open has to wait until that process closes it"
    )
