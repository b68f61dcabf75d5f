"""`qwen2_5_vl:PATH`: Qwen2.5-VL (`Qwen2_5_VLForConditionalGeneration`, see qwen_vl.py).

Before the LLM (`L0`): the vision tower's merger output, the video tokens the LLM reads
(2x2 patches merged, 2 frames a temporal patch). After the LLM (`Lk`): the LLM's hidden
states after block k at those tokens, from the model's own forward with its M-RoPE
positions (prompt = the video span alone). Text: the same LLM over the caption.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "qwen2_5_vl",
    help="Qwen2.5-VL (Qwen2_5_VLForConditionalGeneration); L0 = merger output, the video "
    "tokens before the LLM; Lk = LLM block k at them (one row per 2-frame temporal patch); "
    "text = the LLM over the caption",
    towers=("video", "text"),
    spec="qwen2_5_vl:/path/to/model | qwen2_5_vl:ORG/NAME (local HF cache), "
    "L0 = merger output (before the LLM), Lk = LLM layer k over the video tokens",
    example="qwen2_5_vl:Qwen/Qwen2.5-VL-3B-Instruct",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.qwen_vl import Qwen25VL

    return Qwen25VL(rest, device)
