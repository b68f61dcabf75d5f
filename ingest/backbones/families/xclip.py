"""`xclip:PATH`: a transformers XCLIPModel (vtr.ingest.backbones.hf)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "xclip",
    help="X-CLIP: get_video_features over the frame stack (video-native; --frames must "
    "equal the model's num_frames), text = the text-only projection get_text_features",
    towers=("video", "text"),
    spec="xclip:/path/to/model | xclip:ORG/NAME (local HF cache); video-native XCLIPModel",
    example="xclip:microsoft/xclip-base-patch32",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.hf import XClipModel

    return XClipModel(rest, device)
