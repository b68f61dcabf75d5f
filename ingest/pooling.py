"""Temporal pooling: combine per-frame embeddings (B, T, D) into one vector per video.

`seq` keeps the whole sequence, flattened to one (T * D) vector per video: input for
sequence heads (`vtr train --head transformer`), not for search.
"""

from __future__ import annotations

import torch

TEMPORAL_POOLINGS = ("mean", "max", "first", "sum", "seq")


def pool_frames(frames: torch.Tensor, how: str) -> torch.Tensor:
    if how == "mean":
        return frames.mean(dim=1)
    if how == "max":
        return frames.amax(dim=1)
    if how == "first":
        return frames[:, 0]
    if how == "sum":
        return frames.sum(dim=1)
    if how == "seq":
        return frames.flatten(1)
    raise ValueError(f"unknown temporal pooling {how!r}; choose from {TEMPORAL_POOLINGS}")
