"""Backbone registry: a spec string `FAMILY:ARGS` names an encoder and where its weights are.

| family       | spec                                   | towers      |
| ------------ | -------------------------------------- | ----------- |
| `open_clip`  | `open_clip:ARCH:TAG|/path/ckpt|random` | video, text |
| `st`         | `st:minilm`, `st:/path`, `st:HUB_NAME` | text        |
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones.base import ImageNorm, TextEncoder, VideoEncoder

FAMILIES: dict[str, dict[str, str]] = {
    "open_clip": {
        "spec": "open_clip:ARCH:TAG | open_clip:ARCH:/path/to/checkpoint | open_clip:ARCH:random",
        "towers": "video, text",
        "example": "open_clip:ViT-B-32:laion2b_s34b_b79k",
    },
    "st": {
        "spec": "st:minilm | st:/path/to/model | st:ORG/NAME (local HF cache)",
        "towers": "text",
        "example": "st:minilm",
    },
}


def list_backbone_families() -> dict[str, dict[str, str]]:
    """The spec forms vtr understands, with an example each."""
    return FAMILIES


def split_spec(spec: str) -> tuple[str, str]:
    family, _, rest = spec.partition(":")
    if family not in FAMILIES or not rest:
        forms = "; ".join(f"{name}: {info['spec']}" for name, info in FAMILIES.items())
        raise BackboneError(f"cannot read backbone spec {spec!r}; known forms: {forms}")
    return family, rest


@cache
def _open_clip(rest: str, device: str, seed: int):
    from vtr.ingest.backbones.openclip import OpenClipModel

    arch, sep, weights = rest.partition(":")
    if not sep or not weights:
        raise BackboneError(
            f"open_clip spec needs weights: open_clip:{arch}:TAG, a checkpoint path, or "
            f"open_clip:{arch}:random"
        )
    return OpenClipModel(arch, weights, torch.device(device), seed)


@cache
def _sentence(rest: str, device: str, seed: int):
    from vtr.ingest.backbones.sentence import SentenceTransformerEncoder

    return SentenceTransformerEncoder(rest, torch.device(device))


_VIDEO: dict[str, Callable] = {"open_clip": _open_clip}
_TEXT: dict[str, Callable] = {"open_clip": _open_clip, "st": _sentence}


def load_video_encoder(spec: str, device: torch.device, seed: int = 0) -> VideoEncoder:
    family, rest = split_spec(spec)
    if family not in _VIDEO:
        raise BackboneError(f"backbone family {family!r} has no video tower (spec {spec!r})")
    return _VIDEO[family](rest, str(device), seed)


def load_text_encoder(spec: str, device: torch.device, seed: int = 0) -> TextEncoder:
    family, rest = split_spec(spec)
    if family not in _TEXT:
        raise BackboneError(f"backbone family {family!r} has no text tower (spec {spec!r})")
    return _TEXT[family](rest, str(device), seed)


__all__ = [
    "ImageNorm",
    "TextEncoder",
    "VideoEncoder",
    "list_backbone_families",
    "load_text_encoder",
    "load_video_encoder",
    "split_spec",
]
