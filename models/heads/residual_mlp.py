"""`residual-mlp`: a linear map plus an MLP branch whose output layer starts at zero.

At initialisation the head *is* `proj` (the branch adds exactly 0), the strong starting
point for mapping one frozen space into another; training then adds only as much
non-linearity as the loss pays for. A plain `mlp` instead starts from a random non-linear
map and, on small pair sets, often ends below `proj`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vtr.models.heads import pooled
from vtr.models.heads.mlp import MLP
from vtr.registry import HEADS


class ResidualMLP(nn.Module):
    """y = W x + MLP(x), the `mlp` head's network with its output layer zero-initialised.
    A (B, T, D) sequence is mean-pooled first."""

    def __init__(
        self, in_dim: int, out_dim: int, widths: Sequence[int] = (512,), dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.linear = nn.Linear(in_dim, out_dim)
        self.branch = MLP(in_dim, out_dim, widths, dropout)
        nn.init.zeros_(self.branch.net[-1].weight)
        nn.init.zeros_(self.branch.net[-1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = pooled(x)
        return self.linear(x) + self.branch(x)


@HEADS.register(
    "residual-mlp",
    help="proj plus a zero-initialised MLP branch (--widths, --dropout): starts as proj, "
    "learns non-linearity on top",
    sequence=False,
)
def build(
    in_dim: int, out_dim: int, widths: Sequence[int] = (512,), dropout: float = 0.1, **options
) -> nn.Module:
    return ResidualMLP(in_dim, out_dim, widths, dropout)
