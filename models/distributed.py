"""Training in several processes (DDP / FSDP) with one catalog writer.

DuckDB lets one process open the catalog, so only rank 0 reads the pair views and the
vectors. When the Trainer spans more than one process, rank 0 saves the prepared data
module to one file beside the run's outputs; every other rank loads that file instead
of opening the warehouse, trains in the same Lightning process group, and exits.
Rank 0 alone writes checkpoints, the run's rows and the trained variants.

How the other ranks find the file:
- Lightning's own launcher (`--devices 2 --strategy ddp` on one machine) starts them
  from rank 0's environment, which names the file (`VTR_TRAIN_DATA`).
- torchrun and SLURM start every rank at once: all of them get the same `--out` on
  shared storage, and the file name carries the launch id (TORCHELASTIC_RUN_ID or
  SLURM_JOB_ID), so a file left by an earlier launch is never read.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import torch

from vtr.errors import TrainInputError

DATA_ENV = "VTR_TRAIN_DATA"
RANK_VARIABLES = ("RANK", "SLURM_PROCID", "NODE_RANK", "LOCAL_RANK")


def process_rank() -> int:
    """0 for the process that owns the catalog; > 0 for another rank of a launch
    (torchrun's RANK, SLURM_PROCID, or Lightning's NODE_RANK / LOCAL_RANK)."""
    ranks = [int(os.environ[name]) for name in RANK_VARIABLES if os.environ.get(name, "").isdigit()]
    return max(ranks, default=0)


def _launch_id() -> str:
    return os.environ.get("TORCHELASTIC_RUN_ID") or os.environ.get("SLURM_JOB_ID") or "local"


def shared_data_path(out_dir: Path) -> Path:
    return Path(out_dir) / f"shared-data-{_launch_id()}.pt"


def share_data(snapshot: dict[str, Any], out_dir: Path) -> Path:
    """Rank 0: write the prepared data atomically and name it in the environment that
    Lightning's launcher hands to the other ranks."""
    path = shared_data_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    torch.save(snapshot, partial)
    partial.replace(path)
    os.environ[DATA_ENV] = str(path)
    return path


def load_shared_data(out_dir: str | None, timeout_s: float = 1800.0) -> dict[str, Any]:
    """Another rank: wait for rank 0's file, then load it."""
    if os.environ.get(DATA_ENV):
        path = Path(os.environ[DATA_ENV])
    elif out_dir:
        path = shared_data_path(Path(out_dir))
    else:
        raise TrainInputError(
            f"this process is rank {process_rank()} of a multi-process launch: pass the same "
            "--out folder on shared storage to every rank, where rank 0 leaves the data"
        )
    deadline = time.monotonic() + timeout_s
    while not path.is_file():
        if time.monotonic() > deadline:
            raise TrainInputError(f"rank 0 did not write {path} within {timeout_s:.0f} s")
        time.sleep(1.0)
    return torch.load(path, map_location="cpu", weights_only=False)
