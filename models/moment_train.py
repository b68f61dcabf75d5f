"""`vtr train moments`: fit a MomentHead on a dataset's train split, recorded as a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from vtr.models.moment_data import load_samples
from vtr.models.moment_head import fit_head, save_head
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.runs import run_lifecycle


def train_moments(
    wh: Warehouse,
    dataset: str,
    video_variant: str,
    text_variant: str,
    out_path: Path,
    split: str = "train",
    captions: bool = False,
    **hyper: Any,
) -> dict[str, Any]:
    """Train on `split`, save the checkpoint at `out_path`; return a summary with run_id."""
    torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    samples = load_samples(wh, dataset, split, video_variant, text_variant, captions)
    config = {
        "dataset": dataset,
        "split": split,
        "video_variant": video_variant,
        "text_variant": text_variant,
        "captions": captions,
        **hyper,
    }
    with run_lifecycle(wh, "train-moments", config) as run:
        head, head_config = fit_head(samples, captions=captions, **hyper)
        path = save_head(head, {**head_config, **config}, out_path)
        run.summary = {
            "run_id": run.id, "checkpoint": str(path), "n_queries": len(samples), **head_config
        }  # fmt: skip
    return run.summary
