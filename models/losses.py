"""Alignment losses. Each takes text and video embeddings of a batch (same dim) plus the
batch's extras: `video_index` (which video each row shows, so captions of one video are
not each other's negatives), `label` (1 = matching pair, 0 = not), `hard` (B, k, dim
embeddings of each query's hard-negative videos).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from vtr.registry import LOSSES


class InfoNCE(nn.Module):
    """Symmetric InfoNCE over the batch with temperature (fixed, or learnable).

    Rows of the same video are all positives of each other (soft targets), so a batch
    holding several captions of one video has no false negatives.
    """

    def __init__(self, temperature: float = 0.07, learnable: bool = False) -> None:
        super().__init__()
        log_scale = torch.tensor(math.log(1.0 / temperature))
        if learnable:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer("log_scale", log_scale)

    @property
    def temperature(self) -> float:
        return float(torch.exp(-self.log_scale))

    def logits(self, text: torch.Tensor, video: torch.Tensor) -> torch.Tensor:
        scale = self.log_scale.clamp(max=math.log(100.0)).exp()
        return scale * F.normalize(text, dim=-1) @ F.normalize(video, dim=-1).T

    def forward(self, text, video, video_index=None, label=None, hard=None) -> torch.Tensor:
        logits = self.logits(text, video)
        targets = _targets(video_index, len(text), text.device)
        t2v = _soft_ce(logits, targets)
        v2t = _soft_ce(logits.T, targets.T / targets.T.sum(dim=1, keepdim=True))
        return (t2v + v2t) / 2


class HardNegativeInfoNCE(InfoNCE):
    """InfoNCE where each text query also scores its own k hard-negative videos.

    Text-to-video logits are [batch videos | the query's k hard negatives]; video-to-text
    stays the in-batch term of `InfoNCE`. Without hard negatives (validation and test
    batches) it is plain `InfoNCE`.
    """

    def forward(self, text, video, video_index=None, label=None, hard=None) -> torch.Tensor:
        if hard is None:
            return super().forward(text, video, video_index)
        logits = self.logits(text, video)
        scale = self.log_scale.clamp(max=math.log(100.0)).exp()
        hard_logits = scale * torch.einsum(
            "bd,bkd->bk", F.normalize(text, dim=-1), F.normalize(hard, dim=-1)
        )
        targets = _targets(video_index, len(text), text.device)
        t2v = _soft_ce(
            torch.cat([logits, hard_logits], dim=1),
            torch.cat([targets, torch.zeros_like(hard_logits)], dim=1),
        )
        v2t = _soft_ce(logits.T, targets.T / targets.T.sum(dim=1, keepdim=True))
        return (t2v + v2t) / 2


class CosineMSE(nn.Module):
    """Mean squared error between the cosine of each pair and its label (1 or 0)."""

    def forward(self, text, video, video_index=None, label=None, hard=None) -> torch.Tensor:
        cosine = F.cosine_similarity(text, video, dim=-1)
        return F.mse_loss(cosine, _labels(label, cosine))


class MarginContrastive(nn.Module):
    """Contrastive loss on pairs: (1 - cos) for a match, max(0, cos - margin) otherwise."""

    def __init__(self, margin: float = 0.2) -> None:
        super().__init__()
        self.margin = margin

    def forward(self, text, video, video_index=None, label=None, hard=None) -> torch.Tensor:
        cosine = F.cosine_similarity(text, video, dim=-1)
        y = _labels(label, cosine)
        return (y * (1 - cosine) + (1 - y) * F.relu(cosine - self.margin)).mean()


def build_loss(
    kind: str, temperature: float = 0.07, learnable: bool = False, margin: float = 0.2
) -> nn.Module:
    """A loss by name (`vtr.registry.LOSSES`); UnknownItem listing the known ones."""
    return LOSSES.get(kind)(temperature=temperature, learnable=learnable, margin=margin)


@LOSSES.register(
    "infonce",
    help="symmetric InfoNCE, --temperature or --learnable-temperature; captions of one "
    "video are not each other's negatives",
    pairs="positives",
)
def _infonce(temperature: float, learnable: bool, **options) -> nn.Module:
    return InfoNCE(temperature, learnable)


@LOSSES.register(
    "infonce-hard",
    help="InfoNCE where each query also scores its --hard-k mined hard negatives",
    pairs="hard",
)
def _infonce_hard(temperature: float, learnable: bool, **options) -> nn.Module:
    return HardNegativeInfoNCE(temperature, learnable)


@LOSSES.register(
    "mse", help="cosine vs pair label on positives + --negatives sampled ones", pairs="pairs"
)
def _mse(**options) -> nn.Module:
    return CosineMSE()


@LOSSES.register(
    "margin", help="1 - cos for a match, max(0, cos - --margin) otherwise", pairs="pairs"
)
def _margin(margin: float, **options) -> nn.Module:
    return MarginContrastive(margin)


def _targets(video_index: torch.Tensor | None, n: int, device) -> torch.Tensor:
    """(n, n) soft targets: row i spreads 1 over the rows showing the same video."""
    if video_index is None:
        return torch.eye(n, device=device)
    same = (video_index[:, None] == video_index[None, :]).float()
    return same / same.sum(dim=1, keepdim=True)


def _soft_ce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def _labels(label: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    if label is None:
        raise ValueError("this loss trains on labelled pairs (positives and negatives)")
    return label.to(like.dtype)
