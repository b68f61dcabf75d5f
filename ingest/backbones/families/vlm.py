"""`vlm:PATH`: a video LLM (vtr.ingest.backbones.video_llm, qwen_vl)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "vlm",
    help="LlavaNextVideo-, VideoLlava- or Qwen2VLForConditionalGeneration, told apart by the "
    "folder's config; text = the LLM over the caption",
    towers=("video", "text"),
    spec="vlm:/path/to/model | vlm:ORG/NAME (local HF cache); LLaVA-NeXT-Video, "
    "Video-LLaVA or Qwen2-VL (e.g. vlm:Qwen/Qwen2-VL-2B-Instruct), "
    "L0 = projector output (before the LLM), Lk = LLM layer k over the video tokens",
    example="vlm:llava-hf/LLaVA-NeXT-Video-7B-hf",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.video_llm import load_video_llm

    return load_video_llm(rest, device)
