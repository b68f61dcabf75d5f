"""`mlp`: Linear -> LayerNorm -> ReLU -> Dropout per hidden width, then a linear output."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vtr.models.heads import pooled
from vtr.registry import HEADS


class MLP(nn.Module):
    """Linear -> LayerNorm -> ReLU -> Dropout per hidden width, then a linear output."""

    def __init__(
        self, in_dim: int, out_dim: int, widths: Sequence[int] = (512,), dropout: float = 0.1
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_dim
        for hidden in widths:
            layers += [nn.Linear(width, hidden), nn.LayerNorm(hidden), nn.ReLU()]
            layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(nn.Linear(width, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(pooled(x))


@HEADS.register("mlp", help="hidden --widths with LayerNorm, ReLU and --dropout", sequence=False)
def build(
    in_dim: int, out_dim: int, widths: Sequence[int] = (512,), dropout: float = 0.1, **options
) -> nn.Module:
    return MLP(in_dim, out_dim, widths, dropout)
