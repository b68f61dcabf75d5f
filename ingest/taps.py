"""Layer taps and mask-aware token pooling.

One forward pass per batch returns the model's own projected output (`embed`)
and the hidden states of every requested layer; every token pooling of every
tapped layer is computed from that one pass.

Layer indices follow the Hugging Face `hidden_states` convention: `L0` is the
input to the first block (token embeddings), `Lk` the output of block `k`, so a
model with `n` blocks has layers `0..n`; `-1` is the output of the last block.
Variant ids store the canonical non-negative index (`L4`). The layer called
`final` with pooling `embed` is the model's own projected output, unchanged.

A backbone with more than one stack of layers (a vision tower, a Q-Former and an LLM)
names its other stacks by one capital letter each (`Stage`): `V3` is layer 3 of its
`V` stack, `Q-1` in `--layers` the last layer of its `Q` stack. A plain number, or
`Lk`, is always the main stack `L`. Keys of `Forward.hidden` are ints for `L` and the
canonical name (`"V3"`) for the other stages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

from vtr.errors import TapError

TOKEN_POOLINGS = ("first", "last", "mean", "max", "sum")
_LAYER = re.compile(r"([A-Z]?)(-?\d+)")

LayerKey = int | str  # an `L` layer's index, or another stage's canonical name ("V3")


@dataclass(frozen=True)
class Stage:
    """One stack of tappable layers: `prefix` + index in `first..layers`, rows of `width`.

    native: the stack's rows are whole videos (its tokens span time), so its variants are
    video-native (temporal field `native`) rather than pooled over per-frame rows.
    """

    prefix: str
    layers: int
    width: int
    first: int = 0
    native: bool = False
    label: str = ""

    def name(self, index: int) -> str:
        return f"{self.prefix}{index}"


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


def parse_layers(text: str | None) -> tuple[int | tuple[str, int], ...] | str | None:
    """`"4,8,-1"` -> (4, 8, -1); `"V2,Q-1,L0"` -> (("V", 2), ("Q", -1), 0); `"all"` ->
    "all"; None or "" -> None (no taps). `L` (or no letter) is the main stack."""
    if text is None or not text.strip():
        return None
    if text.strip() == "all":
        return "all"
    parsed: list[int | tuple[str, int]] = []
    for part in (p.strip() for p in text.split(",")):
        match = _LAYER.fullmatch(part)
        if part and not match:
            raise TapError(f"cannot read layers {text!r}: use e.g. 4,8,-1, V2,Q-1 or all")
        if part:
            prefix, index = match.group(1), int(match.group(2))
            parsed.append(index if prefix in ("", "L") else (prefix, index))
    return tuple(parsed)


def _canonical(index: int, stage: Stage) -> int:
    canonical = index + stage.layers + 1 if index < 0 else index
    if not stage.first <= canonical <= stage.layers:
        named = "" if stage.prefix == "L" else f"{stage.prefix} "
        raise TapError(
            f"{named}layer {index} does not exist: this model has {named}layers "
            f"{stage.first}..{stage.layers} (or -{stage.layers + 1 - stage.first}..-1 from the end)"
        )
    return canonical


def resolve_layers(
    requested: tuple[int | tuple[str, int], ...] | str | None,
    n_layers: int,
    first: int = 0,
    stages: Sequence[Stage] = (),
) -> tuple[LayerKey, ...]:
    """Canonical, unique layer keys, main stack first (sorted), then the other stages.

    Main-stack indices lie in first..n_layers (negative = from the end: -1 is layer
    n_layers). `first` is 1 for towers whose layer 0 (the embedded input) cannot be
    tapped. `stages` are the backbone's other stacks; "all" is layers 1..n of each."""
    if requested is None:
        return ()
    main = Stage("L", n_layers, 0, first)
    by_prefix = {stage.prefix: stage for stage in stages}
    if requested == "all":
        keys: list[LayerKey] = list(range(max(1, first), n_layers + 1))
        for stage in stages:
            keys += [stage.name(i) for i in range(max(1, stage.first), stage.layers + 1)]
        return tuple(keys)
    ints, named = set(), set()
    for item in requested:
        if isinstance(item, int):
            ints.add(_canonical(item, main))
            continue
        prefix, index = item
        if prefix not in by_prefix:
            known = ", ".join(["L", *by_prefix]) if by_prefix else "L (plain numbers)"
            raise TapError(
                f"layer {prefix}{index}: this model has no {prefix} layers; its stacks: {known}"
            )
        stage = by_prefix[prefix]
        named.add((list(by_prefix).index(prefix), _canonical(index, stage), stage))
    return (*sorted(ints), *(stage.name(i) for _, i, stage in sorted(named, key=lambda t: t[:2])))


def layer_name(key: LayerKey) -> str:
    """4 -> `"L4"`; a stage's name (`"V3"`) stays as it is."""
    return key if isinstance(key, str) else f"L{key}"


def layer_index(name: str) -> LayerKey | None:
    """`"L4"` -> 4; `"V3"` -> `"V3"` (another stage's key); `"final"` -> None."""
    match = re.fullmatch(r"([A-Z])(\d+)", name)
    if match is None:
        return None
    return int(match.group(2)) if match.group(1) == "L" else name


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
