"""Alignment heads: map one tower's embeddings (a vector, or a sequence of frames / tokens)
into a shared space. `TwoTower` holds one head per tower; a tower without a head is frozen
(identity), e.g. a MiniLM text projection into a frozen video space (384 -> 256).

Each head kind is one module of this package that registers its builder in
`vtr.registry.HEADS`; `build_head` looks it up, `--head`'s help lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn


class Standardize(nn.Module):
    """Per-feature (x - mean) / std with fixed statistics of the training split.

    Raw backbone embeddings often share one dominant direction (a random-init tower's
    almost entirely); standardising lets a head see what differs between items.
    """

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.float().clone())
        self.register_buffer("std", std.float().clamp_min(1e-6).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class Frozen(nn.Module):
    """The identity (mean over a sequence): a tower that stays as it was ingested."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pooled(x)


class TwoTower(nn.Module):
    """A text head and a video head; `encode_*` map a batch of each into the shared space."""

    def __init__(self, text: nn.Module, video: nn.Module) -> None:
        super().__init__()
        self.text = text
        self.video = video

    def encode_text(self, x: torch.Tensor) -> torch.Tensor:
        return self.text(x)

    def encode_video(self, x: torch.Tensor) -> torch.Tensor:
        return self.video(x)


def build_head(
    kind: str,
    in_dim: int,
    out_dim: int,
    widths: Sequence[int] = (512,),
    dropout: float = 0.1,
    layers: int = 2,
    heads: int = 4,
) -> nn.Module:
    """A head by name (`vtr.registry.HEADS`); UnknownItem listing the known ones."""
    from vtr.registry import HEADS

    options: dict[str, Any] = {"widths": tuple(widths), "dropout": dropout}
    return HEADS.get(kind)(in_dim, out_dim, **options, layers=layers, heads=heads)


def pooled(x: torch.Tensor) -> torch.Tensor:
    """A (B, T, D) sequence as its mean over T; a (B, D) batch as it is."""
    return x.mean(dim=1) if x.dim() == 3 else x
