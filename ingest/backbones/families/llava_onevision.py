"""`llava_onevision:PATH`: LLaVA-OneVision (`LlavaOnevisionForConditionalGeneration`, see
frame_llms.py).

Before the LLM (`L0`): each frame's SigLIP tokens after the projector and the 2x2
bilinear pooling (`get_video_features`), the video tokens the LLM reads (the one
`image_newline` token the model appends to a video is left out). After the LLM (`Lk`):
the LLM's hidden states after block k at those tokens, from the model's own forward over
the `<video>` placeholders alone. Text: the same LLM over the caption.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "llava_onevision",
    help="LLaVA-OneVision (LlavaOnevisionForConditionalGeneration); L0 = each frame's "
    "projector output after its 2x2 pooling, before the LLM; Lk = LLM block k at them; "
    "text = the LLM over the caption",
    towers=("video", "text"),
    spec="llava_onevision:/path/to/model | llava_onevision:ORG/NAME (local HF cache), "
    "L0 = pooled projector output (before the LLM), Lk = LLM layer k over the video tokens",
    example="llava_onevision:llava-hf/llava-onevision-qwen2-0.5b-ov-hf",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.frame_llms import LlavaOnevision

    return LlavaOnevision(rest, device)
