"""`hf_clip:PATH`: a transformers CLIPModel (vtr.ingest.backbones.hf)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "hf_clip",
    help="transformers CLIPModel: get_image_features per frame, get_text_features",
    towers=("video", "text"),
    spec="hf_clip:/path/to/model | hf_clip:ORG/NAME (local HF cache); CLIPModel",
    example="hf_clip:openai/clip-vit-base-patch32",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.hf import HFClipModel

    return HFClipModel(rest, device)
