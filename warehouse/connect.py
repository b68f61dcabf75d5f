"""Opening the DuckDB catalog: wait while another process holds it, name corruption.

DuckDB lets one process write a file and no other process open it meanwhile, not even
read-only; a writer cannot open it while readers have it open. vtr's commands hold the
catalog only while they need it (see `Warehouse.release`), so an open that meets a held
catalog retries with backoff for up to `wait` seconds (`--wait`, `VTR_WAIT`, default
60) and says once, on stderr, which process holds it. Only after the wait does it raise
CatalogBusy. A file DuckDB cannot read (a bad checksum, garbage in its header) is
CatalogCorrupt: waiting would not help.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path

import duckdb

from vtr.errors import CatalogBusy, CatalogCorrupt, VtrError
from vtr.warehouse.lock_holder import busy_message, holder_summary

DEFAULT_WAIT = 60.0
WAIT_ENV = "VTR_WAIT"
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")
_CORRUPT = (
    "corrupt database file",
    "not a valid duckdb database file",
    "checksum",
    "invalid database file",
)
_wait_override: float | None = None


def set_wait(seconds: float | None) -> None:
    """Set (None: unset) the wait of every later open in this process (`vtr --wait`)."""
    global _wait_override
    _wait_override = seconds


def wait_seconds() -> float:
    """How long an open waits for a held catalog: `set_wait`, else $VTR_WAIT, else 60 s."""
    if _wait_override is not None:
        return _wait_override
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        raise VtrError(f"{WAIT_ENV}={text!r} is not a number of seconds (0 or more)")
    return value


def is_lock_error(err: BaseException) -> bool:
    """DuckDB's "Could not set lock on file" (another process holds the file)."""
    return isinstance(err, duckdb.IOException) and "could not set lock" in str(err).lower()


def is_corruption(err: BaseException) -> bool:
    """Whether a DuckDB error says the file is damaged (not a lock, not a bad query)."""
    text = str(err).lower()
    return isinstance(err, duckdb.Error) and any(mark in text for mark in _CORRUPT)


def corrupt_error(path: Path, err: BaseException) -> CatalogCorrupt:
    """CatalogCorrupt with DuckDB's message and what to do."""
    detail = " ".join(str(err).split())
    return CatalogCorrupt(
        f"catalog corrupt: {path} cannot be read ({detail}). This is damage to the file, "
        "not a lock: waiting will not help. Restore catalog.duckdb from a backup (stop "
        "every vtr process first); the embeddings under lance/ are not affected. Once "
        "it opens, `vtr check` says where the backup and the Lance tables disagree "
        "(`vtr check --repair` fixes what it can), and the next `vtr ingest` drops rows "
        "the backup has no done mark for and embeds those items again"
    )


def connect(path: Path, read_only: bool, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to `path`, waiting up to `wait` seconds for another holder.

    CatalogBusy (naming the holder, its command and how it holds the file) once the wait
    is over; CatalogCorrupt at once for a file DuckDB cannot read.
    """
    wait = wait_seconds() if wait is None else wait
    deadline = time.monotonic() + wait
    delay, told = 0.02, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as err:
            if is_corruption(err):
                raise corrupt_error(path, err) from None
            if not is_lock_error(err):
                raise
            match = _LOCK_HOLDER.search(str(err))
            pid = int(match.group(1)) if match else None
        left = deadline - time.monotonic()
        if left <= 0:
            message = busy_message(path, pid, read_only)
            if wait > 0:
                message += (
                    f"; gave up after waiting {wait:g} s (`vtr --wait SECONDS ...` or "
                    f"{WAIT_ENV} waits longer)"
                )
            raise CatalogBusy(message)
        if not told:
            told = True
            print(
                f"vtr: waiting up to {wait:g} s for the catalog {path}: "
                f"{holder_summary(path, pid, read_only)}",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(min(left, delay * random.uniform(0.5, 1.5)))
        delay = min(delay * 2, 0.5)
