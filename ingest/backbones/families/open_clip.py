"""`open_clip:ARCH:WEIGHTS`: an open_clip model (vtr.ingest.backbones.openclip)."""

from __future__ import annotations

from vtr.errors import BackboneError
from vtr.registry import BACKBONES


def open_clip_parts(rest: str) -> tuple[str, str]:
    """`ARCH:WEIGHTS` of an open_clip spec; BackboneError when the weights part is missing."""
    arch, sep, weights = rest.partition(":")
    if not arch or not sep or not weights:
        raise BackboneError(
            f"open_clip spec needs weights: open_clip:{arch or 'ARCH'}:TAG, a checkpoint "
            f"path, or open_clip:{arch or 'ARCH'}:random"
        )
    return arch, weights


@BACKBONES.register(
    "open_clip",
    help="open_clip image/text towers; pretrained tag, checkpoint or seeded random init",
    towers=("video", "text"),
    spec="open_clip:ARCH:TAG | open_clip:ARCH:/path/to/checkpoint | open_clip:ARCH:random",
    example="open_clip:ViT-B-32:laion2b_s34b_b79k",
    check=open_clip_parts,
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.openclip import OpenClipModel

    arch, weights = open_clip_parts(rest)
    return OpenClipModel(arch, weights, device, seed)
