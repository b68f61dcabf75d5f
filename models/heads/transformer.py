"""`transformer`: an encoder over a frame / token sequence with a learned [CLS] token."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vtr.registry import HEADS

# The std of `nn.Linear`'s default-init output on standardised inputs (1 / sqrt(3)): position
# embeddings as large as the frame tokens they are added to. At the usual 0.02 they are ~3%
# of a token, the encoder starts out (and after a short budget stays) permutation-invariant,
# i.e. a mean pool, and cannot tell a left-moving video from its frames in reverse order.
POSITION_STD = 3**-0.5


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


@HEADS.register(
    "transformer",
    help="encoder over a frame/token sequence with a [CLS] token; --layers, --heads, "
    "width = the first of --widths",
    sequence=True,
)
def build(
    in_dim: int,
    out_dim: int,
    widths: Sequence[int] = (256,),
    dropout: float = 0.1,
    layers: int = 2,
    heads: int = 4,
) -> nn.Module:
    width = widths[0] if widths else 256
    return SequenceTransformer(in_dim, out_dim, width, layers, heads, dropout=dropout)
