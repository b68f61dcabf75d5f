"""Backbones: a spec string `FAMILY:ARGS` names an encoder and where its weights are.

The families register themselves in `vtr.registry.BACKBONES`, one module each in
`backbones/families/`; `vtr backbones` and the README's table are generated from it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from vtr.ingest.backbones.specs import check_spec, family_entry, list_backbone_families, split_spec

if TYPE_CHECKING:  # torch loads with the first encoder, not with this registry
    import torch

    from vtr.ingest.backbones.base import TextEncoder, VideoEncoder


@cache
def _load(family: str, rest: str, device: str, seed: int):
    """One model per (family, weights, device, seed): both towers share it."""
    import torch

    from vtr.registry import BACKBONES

    return BACKBONES.get(family)(rest, torch.device(device), seed)


def load_video_encoder(spec: str, device: torch.device, seed: int = 0) -> VideoEncoder:
    entry, rest = family_entry(spec, "video")
    return _load(entry.name, rest, str(device), seed)


def load_text_encoder(spec: str, device: torch.device, seed: int = 0) -> TextEncoder:
    entry, rest = family_entry(spec, "text")
    return _load(entry.name, rest, str(device), seed)


def __getattr__(name: str) -> Any:
    """ImageNorm and the encoder protocols, loaded (with torch) on first use."""
    if name in ("ImageNorm", "TextEncoder", "VideoEncoder"):
        from vtr.ingest.backbones import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "check_spec",
    "ImageNorm",
    "TextEncoder",
    "VideoEncoder",
    "list_backbone_families",
    "load_text_encoder",
    "load_video_encoder",
    "split_spec",
]
