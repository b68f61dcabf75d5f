"""From one tapped forward pass to every requested variant.

A `TapPlan` (layers x token poolings x temporal poolings) and a backbone give the
list of variants to write; `video_vectors` / `text_vectors` turn one `Forward`
into one (B, D) tensor per variant id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from vtr.errors import BackboneError, TapError
from vtr.ingest.pooling import TEMPORAL_POOLINGS, pool_frames
from vtr.ingest.taps import (
    TOKEN_POOLINGS,
    Forward,
    LayerKey,
    Stage,
    check_poolings,
    layer_index,
    layer_name,
    parse_layers,
    pool_tokens,
    resolve_layers,
)
from vtr.warehouse.variants import Variant

NATIVE = "native"  # temporal field of a video-native model's own output (e.g. X-CLIP)


def _items(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split(",")
    return [part for item in value for part in item.split(",")]


@dataclass(frozen=True)
class TapPlan:
    """Which layers (None: only the model's own output), token and temporal poolings."""

    layers: tuple[int, ...] | str | None = None
    poolings: tuple[str, ...] = TOKEN_POOLINGS
    temporal: tuple[str, ...] = ("mean",)

    @classmethod
    def from_options(
        cls,
        layers: str | None = None,
        poolings: str | Sequence[str] | None = None,
        temporal: str | Sequence[str] = "mean",
    ) -> TapPlan:
        return cls(
            parse_layers(layers),
            check_poolings(_items(poolings) or TOKEN_POOLINGS, TOKEN_POOLINGS, "token"),
            check_poolings(_items(temporal), TEMPORAL_POOLINGS, "temporal"),
        )


def _layer_pooling_pairs(
    plan: TapPlan,
    n_layers: int,
    has_embed: bool,
    default_pooling: str,
    first: int = 0,
    stages: Sequence[Stage] = (),
) -> list[tuple[str, str]]:
    pairs = [("final", "embed")] if has_embed else []
    if plan.layers is not None and n_layers == 0 and not stages:
        raise TapError("this backbone gives its own output only (final/embed), no layer taps")
    layers = resolve_layers(plan.layers, n_layers, first, stages)
    if not layers and not has_embed:  # no projected output: the last layer stands in
        return [(layer_name(n_layers), default_pooling)]
    return pairs + [(layer_name(i), p) for i in layers for p in plan.poolings]


def layer_stages(encoder, modality: str) -> dict[str, Stage]:
    """Every layer stack of a tower by prefix: the main `L` stack, then the
    backbone's `video_stages` / `text_stages` (a vision tower, a Q-Former ...)."""
    video = modality == "video"
    main = Stage(
        "L",
        encoder.video_layers if video else encoder.text_layers,
        encoder.video_width if video else encoder.text_width,
        getattr(encoder, "first_layer", 0),
        native=video and getattr(encoder, "native_layers", False),
    )
    extra = getattr(encoder, f"{modality}_stages", ())
    return {"L": main, **{stage.prefix: stage for stage in extra}}


def _tower_plan(plan: TapPlan, encoder, modality: str) -> TapPlan:
    """One `--layers` list serves both towers: a stage that only the other tower has
    (InstructBLIP-Video's `V` and `Q` are video-only) is left out for this one."""
    if not isinstance(plan.layers, tuple):
        return plan
    own = layer_stages(encoder, modality)
    other = "text" if modality == "video" else "video"
    theirs = {stage.prefix for stage in getattr(encoder, f"{other}_stages", ())}
    kept = tuple(
        item
        for item in plan.layers
        if isinstance(item, int) or item[0] in own or item[0] not in theirs
    )
    return replace(plan, layers=kept)


def _stage_of(stages: dict[str, Stage], layer: str) -> Stage | None:
    return None if layer == "final" else stages.get(layer[:1])


def video_variants(spec: str, encoder, plan: TapPlan, frames: int) -> list[Variant]:
    """Every video variant the plan asks of this backbone, final/embed first.

    The model's own output of a video-native model, and the layers of a stack whose rows
    are whole videos (`Stage.native`), get the temporal field `native`."""
    variants = []
    stages = layer_stages(encoder, "video")
    pairs = _layer_pooling_pairs(
        _tower_plan(plan, encoder, "video"),
        encoder.video_layers,
        encoder.has_video_embed,
        encoder.default_video_pooling,
        getattr(encoder, "first_layer", 0),
        [s for p, s in stages.items() if p != "L"],
    )
    for layer, pooling in pairs:
        stage = _stage_of(stages, layer)
        native = encoder.video_native if stage is None else stage.native
        for temporal in (NATIVE,) if native else plan.temporal:
            variant = Variant("video", spec, layer, pooling, temporal=temporal, frames=frames)
            variants.append(variant)
    return variants


def text_variants(spec: str, encoder, plan: TapPlan) -> list[Variant]:
    """Every text variant the plan asks of this backbone; BackboneError for a checkpoint
    without a text tower (`has_text_tower = False`, e.g. a video-only VideoPrism)."""
    if not getattr(encoder, "has_text_tower", True):
        raise BackboneError(f"{spec} has no text tower (a video-only checkpoint)")
    stages = layer_stages(encoder, "text")
    pairs = _layer_pooling_pairs(
        _tower_plan(plan, encoder, "text"),
        encoder.text_layers,
        encoder.has_text_embed,
        encoder.default_pooling,
        getattr(encoder, "first_layer", 0),
        [s for p, s in stages.items() if p != "L"],
    )
    return [Variant("text", spec, layer, pooling) for layer, pooling in pairs]


def tapped_layers(variants: Sequence[Variant]) -> list[LayerKey]:
    """The hidden layers one forward pass must return for these variants (main stack
    first, as ints, then the other stages' names)."""
    keys = {i for v in variants if (i := layer_index(v.layer)) is not None}
    return sorted(keys, key=lambda k: (isinstance(k, str), k))


def video_steps(encoder, frames: int) -> int:
    """Per-frame vectors one video gives: `frames`, or ceil(frames / k) when the model
    embeds `k = encoder.frames_per_step` frames together (Qwen2-VL's temporal patches)."""
    return math.ceil(frames / getattr(encoder, "frames_per_step", 1))


def variant_dim(variant: Variant, encoder) -> int:
    if variant.layer == "final":
        return encoder.dim
    stage = _stage_of(layer_stages(encoder, variant.modality), variant.layer)
    if stage is None:
        raise TapError(f"variant {variant.id}: this backbone has no {variant.layer[:1]} layers")
    return stage.width


def video_vectors(
    out: Forward, n_videos: int, n_frames: int, variants: Sequence[Variant]
) -> dict[str, torch.Tensor]:
    """Per variant id, (n_videos, D): token pooling per frame, L2 per frame, temporal pooling.

    A layer's rows are the video's time steps: frames, or temporal patches when the
    model embeds several frames together (see `video_steps`).
    """
    per_frame: dict[tuple[str, str], torch.Tensor] = {}
    vectors = {}
    for variant in variants:
        if variant.temporal == NATIVE:  # one row per video: the own output or a native stack
            if variant.layer == "final":
                vectors[variant.id] = out.embed.float()
            else:
                hidden = out.hidden[layer_index(variant.layer)].float()
                vectors[variant.id] = pool_tokens(hidden, out.mask, variant.pooling)
            continue
        key = (variant.layer, variant.pooling)
        if key not in per_frame:
            if variant.layer == "final":
                frames = out.embed.float().reshape(n_videos * n_frames, -1)
            else:
                hidden = out.hidden[layer_index(variant.layer)].float()
                frames = pool_tokens(hidden, out.mask, variant.pooling)
            per_frame[key] = F.normalize(frames, dim=-1).view(n_videos, -1, frames.shape[-1])
        vectors[variant.id] = pool_frames(per_frame[key], variant.temporal)
    return vectors


def text_vectors(out: Forward, variants: Sequence[Variant]) -> dict[str, torch.Tensor]:
    """Per variant id, (N, D): the model's own output or a mask-aware token pooling."""
    vectors = {}
    for variant in variants:
        if variant.layer == "final":
            vectors[variant.id] = out.embed.float()
        else:
            hidden = out.hidden[layer_index(variant.layer)].float()
            vectors[variant.id] = pool_tokens(hidden, out.mask, variant.pooling)
    return vectors
