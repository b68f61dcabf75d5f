"""Layer taps and mask-aware token pooling.

One forward pass per batch returns the model's own projected output (`embed`)
and the hidden states of every requested layer; every token pooling of every
tapped layer is computed from that one pass.

Layer indices follow the Hugging Face `hidden_states` convention: `L0` is the
input to the first block (token embeddings), `Lk` the output of block `k`, so a
model with `n` blocks has layers `0..n`; `-1` is the output of the last block.
Variant ids store the canonical non-negative index (`L4`). The layer called
`final` with pooling `embed` is the model's own projected output, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

from vtr.errors import TapError

TOKEN_POOLINGS = ("first", "last", "mean", "max", "sum")


@dataclass
class Forward:
    """What one tapped forward pass returns.

    embed: the model's own output, (B, D); for frames (B, T, D), or (B, D) when the
    model pools time itself (video-native). None when the model has no such output.
    hidden: layer index -> (N, S, W) token states (N = B for text, B*T for frames).
    mask: (N, S) bool, True for real tokens; None when every token is real.
    """

    embed: torch.Tensor | None
    hidden: dict[int, torch.Tensor] = field(default_factory=dict)
    mask: torch.Tensor | None = None


def parse_layers(text: str | None) -> tuple[int, ...] | str | None:
    """`"4,8,-1"` -> (4, 8, -1); `"all"` -> "all"; None or "" -> None (no taps)."""
    if text is None or not text.strip():
        return None
    if text.strip() == "all":
        return "all"
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise TapError(f"cannot read layers {text!r}: use e.g. 4,8,-1 or all") from None


def resolve_layers(
    requested: tuple[int, ...] | str | None, n_layers: int, first: int = 0
) -> tuple[int, ...]:
    """Canonical, sorted, unique layer indices in first..n_layers (negative = from the
    end: -1 is layer n_layers). `first` is 1 for towers whose layer 0 (the embedded
    input) cannot be tapped."""
    if requested is None:
        return ()
    if requested == "all":
        return tuple(range(1, n_layers + 1))
    resolved = set()
    for index in requested:
        canonical = index + n_layers + 1 if index < 0 else index
        if not first <= canonical <= n_layers:
            raise TapError(
                f"layer {index} does not exist: this model has layers {first}..{n_layers} "
                f"(or -{n_layers + 1 - first}..-1 from the end)"
            )
        resolved.add(canonical)
    return tuple(sorted(resolved))


def layer_name(index: int) -> str:
    return f"L{index}"


def layer_index(name: str) -> int | None:
    """`"L4"` -> 4; `"final"` -> None."""
    return int(name[1:]) if name.startswith("L") and name[1:].isdigit() else None


def check_poolings(poolings: Iterable[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(p.strip() for p in poolings if p.strip()))
    unknown = [p for p in chosen if p not in allowed]
    if unknown or not chosen:
        raise TapError(f"unknown {what} pooling {unknown or chosen}; choose from {allowed}")
    return chosen


def _positions(mask: torch.Tensor) -> torch.Tensor:
    return torch.arange(mask.shape[1], device=mask.device).expand_as(mask)


def pool_tokens(hidden: torch.Tensor, mask: torch.Tensor | None, how: str) -> torch.Tensor:
    """(N, S, W) token states -> (N, W); padding (mask False) never contributes.

    first: the first real token (CLS for encoders); last: the last real token (EOS,
    what decoder-only LMs summarise into); mean / sum over real tokens; max over real
    tokens (a padded position can never be the maximum).
    """
    if mask is None:
        mask = torch.ones(hidden.shape[:2], dtype=torch.bool, device=hidden.device)
    mask = mask.to(hidden.device, torch.bool)
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    if how == "first":
        index = torch.where(mask, _positions(mask), mask.shape[1]).amin(dim=1)
        return hidden[rows, index.clamp(max=mask.shape[1] - 1)]
    if how == "last":
        index = torch.where(mask, _positions(mask), -1).amax(dim=1)
        return hidden[rows, index.clamp(min=0)]
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    if how == "sum":
        return (hidden * weights).sum(dim=1)
    if how == "mean":
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)
    if how == "max":
        return hidden.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)
    raise TapError(f"unknown token pooling {how!r}; choose from {TOKEN_POOLINGS}")
