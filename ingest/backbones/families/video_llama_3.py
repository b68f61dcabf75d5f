"""`video_llama_3:PATH`: VideoLLaMA3 (`VideoLlama3ForConditionalGeneration`, see
video_llama3.py), the Video-LLaMA line.

Before the LLM (`L0`): each frame's vision-encoder tokens, 2x2 downsampled and projected
(`get_video_features`, without the processor's token compression), the tokens the LLM
reads. After the LLM (`Lk`): the LLM's hidden states after block k at those tokens, from
the model's own forward over the video placeholders alone. Text: the same LLM.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "video_llama_3",
    help="VideoLLaMA3 (VideoLlama3ForConditionalGeneration); L0 = each frame's projector "
    "output (2x2-downsampled vision tokens, no token compression), before the LLM; "
    "Lk = LLM block k at them; text = the LLM over the caption",
    towers=("video", "text"),
    spec="video_llama_3:/path/to/model | video_llama_3:ORG/NAME (local HF cache), "
    "L0 = projector output (before the LLM), Lk = LLM layer k over the video tokens",
    example="video_llama_3:lkhl/VideoLLaMA3-2B-Image-HF",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.video_llama3 import VideoLlama3

    return VideoLlama3(rest, device)
