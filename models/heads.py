"""Alignment heads: map one tower's embeddings (a vector, or a sequence of frames / tokens)
into a shared space. `TwoTower` holds one head per tower; a tower without a head is frozen
(identity), e.g. a MiniLM text projection into a frozen video space (384 -> 256).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

HEADS = ("mlp", "transformer", "proj")
# The std of `nn.Linear`'s default-init output on standardised inputs (1 / sqrt(3)): position
# embeddings as large as the frame tokens they are added to. At the usual 0.02 they are ~3%
# of a token, the encoder starts out (and after a short budget stays) permutation-invariant,
# i.e. a mean pool, and cannot tell a left-moving video from its frames in reverse order.
POSITION_STD = 3**-0.5


class Projection(nn.Module):
    """One linear map of a vector into the other tower's space (e.g. 384 -> 256)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(_pooled(x))


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
        return self.net(_pooled(x))


class SequenceTransformer(nn.Module):
    """A Transformer encoder over a (B, T, D) sequence with a learned [CLS] token.

    Input frames / tokens are projected to `width`, get learned position embeddings (at
    the tokens' scale, `POSITION_STD`), and the [CLS] output is projected to `out_dim`. A
    (B, D) input is one token without a position.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        width: int = 256,
        layers: int = 2,
        heads: int = 4,
        max_len: int = 64,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.input = nn.Linear(in_dim, width)
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.position = nn.Parameter(torch.randn(1, max_len + 1, width) * POSITION_STD)
        block = nn.TransformerEncoderLayer(
            width, heads, 2 * width, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.output = nn.Linear(width, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cls = (self.cls + self.position[:, :1]).expand(len(x), -1, -1)
        if x.dim() == 2:  # one vector has no order: a position would only dilute it
            tokens = self.input(x).unsqueeze(1)
        else:
            tokens = self.input(x) + self.position[:, 1 : x.shape[1] + 1]
        return self.output(self.norm(self.encoder(torch.cat([cls, tokens], dim=1))[:, 0]))


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
        return _pooled(x)


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
    """A head by name: `mlp`, `transformer` or `proj`."""
    if kind == "mlp":
        return MLP(in_dim, out_dim, widths, dropout)
    if kind == "transformer":
        width = widths[0] if widths else 256
        return SequenceTransformer(in_dim, out_dim, width, layers, heads, dropout=dropout)
    if kind == "proj":
        return Projection(in_dim, out_dim)
    raise ValueError(f"unknown head {kind!r}; choose from {HEADS}")


def _pooled(x: torch.Tensor) -> torch.Tensor:
    """A (B, T, D) sequence as its mean over T; a (B, D) batch as it is."""
    return x.mean(dim=1) if x.dim() == 3 else x
