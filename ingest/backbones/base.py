"""What an encoder backbone offers the ingest pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch


@dataclass(frozen=True)
class ImageNorm:
    """Frame preprocessing: square side in pixels and per-channel mean/std."""

    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


class VideoEncoder(Protocol):
    dim: int
    norm: ImageNorm
    weights: str

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised frames -> (N, dim) embeddings."""


class TextEncoder(Protocol):
    dim: int
    weights: str

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        """A batch of strings -> (N, dim) embeddings."""
