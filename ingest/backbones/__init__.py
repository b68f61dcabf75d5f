"""Backbone registry: a spec string `FAMILY:ARGS` names an encoder and where its weights are.

| family       | spec                                   | towers      |
| ------------ | -------------------------------------- | ----------- |
| `open_clip`  | `open_clip:ARCH:TAG|/path/ckpt|random` | video, text |
| `st`         | `st:minilm`, `st:/path`, `st:HUB_NAME` | text        |
| `hf_clip`    | `hf_clip:/path` or a cached hub name   | video, text |
| `xclip`      | `xclip:/path` or a cached hub name     | video, text |
| `hf_text`    | `hf_text:/path` or a cached hub name   | text        |
| `lm`         | `lm:/path` or a cached hub name        | text        |
| `vlm`        | `vlm:/path` (LLaVA-NeXT-Video, Video-LLaVA, Qwen2-VL) | video, text |
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from vtr.ingest.backbones.specs import (
    FAMILIES,
    check_spec,
    list_backbone_families,
    open_clip_parts,
    split_spec,
)

if TYPE_CHECKING:  # torch loads with the first encoder, not with this registry
    import torch

    from vtr.ingest.backbones.base import TextEncoder, VideoEncoder


def _device(device: str):
    import torch

    return torch.device(device)


@cache
def _open_clip(rest: str, device: str, seed: int):
    from vtr.ingest.backbones.openclip import OpenClipModel

    arch, weights = open_clip_parts(rest)
    return OpenClipModel(arch, weights, _device(device), seed)


@cache
def _sentence(rest: str, device: str, seed: int):
    from vtr.ingest.backbones.sentence import SentenceTransformerEncoder

    return SentenceTransformerEncoder(rest, _device(device))


@cache
def _hf(family: str, rest: str, device: str):
    from vtr.ingest.backbones import hf

    if family == "hf_clip":
        return hf.HFClipModel(rest, _device(device))
    if family == "xclip":
        return hf.XClipModel(rest, _device(device))
    if family == "vlm":
        from vtr.ingest.backbones.video_llm import load_video_llm

        return load_video_llm(rest, _device(device))
    return hf.HFTextModel(rest, _device(device), causal=family == "lm")


def _hf_family(family: str) -> Callable:
    return lambda rest, device, seed: _hf(family, rest, device)


_VIDEO: dict[str, Callable] = {
    "open_clip": _open_clip,
    "hf_clip": _hf_family("hf_clip"),
    "xclip": _hf_family("xclip"),
    "vlm": _hf_family("vlm"),
}
_TEXT: dict[str, Callable] = {
    "open_clip": _open_clip,
    "st": _sentence,
    **{family: _hf_family(family) for family in ("hf_clip", "xclip", "hf_text", "lm", "vlm")},
}


def load_video_encoder(spec: str, device: torch.device, seed: int = 0) -> VideoEncoder:
    family, rest = check_spec(spec, "video")
    return _VIDEO[family](rest, str(device), seed)


def load_text_encoder(spec: str, device: torch.device, seed: int = 0) -> TextEncoder:
    family, rest = check_spec(spec, "text")
    return _TEXT[family](rest, str(device), seed)


def __getattr__(name: str) -> Any:
    """ImageNorm and the encoder protocols, loaded (with torch) on first use."""
    if name in ("ImageNorm", "TextEncoder", "VideoEncoder"):
        from vtr.ingest.backbones import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAMILIES",
    "check_spec",
    "ImageNorm",
    "TextEncoder",
    "VideoEncoder",
    "list_backbone_families",
    "load_text_encoder",
    "load_video_encoder",
    "split_spec",
]
