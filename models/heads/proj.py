"""`proj`: one linear map of a (mean-pooled) vector into the shared space."""

from __future__ import annotations

import torch
from torch import nn

from vtr.models.heads import pooled
from vtr.registry import HEADS


class Projection(nn.Module):
    """One linear map of a vector into the other tower's space (e.g. 384 -> 256)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(pooled(x))


@HEADS.register("proj", help="one linear map (a sequence is mean-pooled first)", sequence=False)
def build(in_dim: int, out_dim: int, **options) -> nn.Module:
    return Projection(in_dim, out_dim)
