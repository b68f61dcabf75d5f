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
    "hf_clip": {
        "spec": "hf_clip:/path/to/model | hf_clip:ORG/NAME (local HF cache); CLIPModel",
        "towers": "video, text",
        "example": "hf_clip:openai/clip-vit-base-patch32",
    },
    "xclip": {
        "spec": "xclip:/path/to/model | xclip:ORG/NAME (local HF cache); video-native XCLIPModel",
        "towers": "video, text",
        "example": "xclip:microsoft/xclip-base-patch32",
    },
    "hf_text": {
        "spec": "hf_text:/path/to/model | hf_text:ORG/NAME (local HF cache); AutoModel encoder",
        "towers": "text",
        "example": "hf_text:bert-base-uncased",
    },
    "lm": {
        "spec": "lm:/path/to/model | lm:ORG/NAME (local HF cache); AutoModelForCausalLM",
        "towers": "text",
        "example": "lm:Qwen/Qwen2.5-0.5B",
    },
    "vlm": {
        "spec": "vlm:/path/to/model | vlm:ORG/NAME (local HF cache); LLaVA-NeXT-Video, "
        "Video-LLaVA or Qwen2-VL (e.g. vlm:Qwen/Qwen2-VL-2B-Instruct), "
        "L0 = projector output (before the LLM), Lk = LLM layer k over the video tokens",
        "towers": "video, text",
        "example": "vlm:llava-hf/LLaVA-NeXT-Video-7B-hf",
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


@cache
def _hf(family: str, rest: str, device: str):
    from vtr.ingest.backbones import hf

    if family == "hf_clip":
        return hf.HFClipModel(rest, torch.device(device))
    if family == "xclip":
        return hf.XClipModel(rest, torch.device(device))
    if family == "vlm":
        from vtr.ingest.backbones.video_llm import load_video_llm

        return load_video_llm(rest, torch.device(device))
    return hf.HFTextModel(rest, torch.device(device), causal=family == "lm")


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
