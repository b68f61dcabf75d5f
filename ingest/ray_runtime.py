"""Connecting to Ray for the ray ingest engine: an existing cluster, or a local one.

A local cluster is sized for small machines: a small object store, no dashboard, no
usage reporting, its sockets and logs in a temporary folder that is removed afterwards.
Ray starts its workers as fresh interpreters (never forked from the driver), so no
Lance or DuckDB handle of the driver reaches an actor.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from vtr.errors import VtrError

LOCAL_OBJECT_STORE_BYTES = 256 * 1024**2


class RayUnavailable(VtrError):
    """Ray is not installed, or the cluster at the given address cannot be reached."""


def _import_ray():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")  # vtr shows its own
    try:
        import ray
        import ray.data
    except ImportError as err:
        raise RayUnavailable(
            f"the ray engine needs Ray Data ({err}); install it with `pip install 'vtr[ray]'`"
        ) from None
    return ray


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[object]:
    """Ray, connected to `address`, else to a local cluster started (and stopped) here.

    A session that is already connected is used as it is and left connected.
    """
    ray = _import_ray()
    if ray.is_initialized():
        yield ray
        return
    options = {"log_to_driver": False, "logging_level": logging.ERROR}
    temp_dir = None
    if address:
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise RayUnavailable(f"cannot connect to the Ray cluster at {address}: {err}") from None
    else:
        temp_dir = tempfile.mkdtemp(prefix="vtr-ray-")  # short: Ray's socket paths must be
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            object_store_memory=LOCAL_OBJECT_STORE_BYTES,
            _temp_dir=temp_dir,
            **options,
        )
    ray.data.DataContext.get_current().print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled"
    try:
        yield ray
    finally:
        ray.shutdown()
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)


def raise_user_error(err: BaseException) -> None:
    """Re-raise the vtr error an actor raised (Ray wraps it), if there is one."""
    seen = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, VtrError):
            raise cause from None
        seen.add(id(cause))
        cause = getattr(cause, "cause", None) or cause.__cause__
