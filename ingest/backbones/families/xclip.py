"""`xclip:PATH`: a transformers XCLIPModel (vtr.ingest.backbones.hf)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "xclip",
    help="X-CLIP: get_video_features over the frame stack (video-native), text-only projection",
    towers=("video", "text"),
    spec="xclip:/path/to/model | xclip:ORG/NAME (local HF cache); video-native XCLIPModel",
    example="xclip:microsoft/xclip-base-patch32",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.hf import XClipModel

    return XClipModel(rest, device)
