"""What an encoder backbone offers the ingest pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

from vtr.ingest.taps import Forward


@dataclass(frozen=True)
class ImageNorm:
    """Frame preprocessing: square side in pixels and per-channel mean/std."""

    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


class VideoEncoder(Protocol):
    """A video tower. One that embeds k frames together (Qwen2-VL: k = 2) also has
    `frames_per_step = k`; its per-frame rows are then one per k frames."""

    dim: int  # width of the model's own output (final/embed)
    norm: ImageNorm
    weights: str
    video_layers: int  # number of blocks n; layers 0..n can be tapped
    video_width: int  # width of the tapped token states
    video_native: bool  # True when the model pools time itself (its output is one per video)
    has_video_embed: bool  # False: no own output (video LLMs), the last layer stands in
    default_video_pooling: str  # token pooling used when no layers are asked for
    # optional `first_layer: int` (default 0): the lowest tappable layer (open_clip: 1)

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        """(B, T, 3, H, W) frames -> own output (B, T, dim) or (B, dim) + tapped layers."""

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised frames -> (N, dim) embeddings."""


class TextEncoder(Protocol):
    dim: int
    weights: str
    text_layers: int
    text_width: int
    has_text_embed: bool  # False: no projected output, the last layer stands in
    default_pooling: str  # token pooling used when no layers are asked for

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        """Strings -> own output (N, dim) or None + tapped layers and the attention mask."""

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        """A batch of strings -> (N, dim) embeddings."""
