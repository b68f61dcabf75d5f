"""`qwen3_vl:PATH`: Qwen3-VL (`Qwen3VLForConditionalGeneration`, see qwen_vl.py).

Before the LLM (`L0`): the vision tower's merger output, the video tokens the LLM reads
(2x2 patches merged, 2 frames a temporal patch); the DeepStack features of the vision
tower's inner blocks are not in `L0`, the model adds them to the video tokens of its
first LLM blocks. After the LLM (`Lk`): the LLM's hidden states after block k at the
video tokens, from the model's own forward (prompt = one vision span per temporal
patch, its processor's layout without the timestamp text). Text: the same LLM.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "qwen3_vl",
    help="Qwen3-VL (Qwen3VLForConditionalGeneration); L0 = merger output, the video tokens "
    "before the LLM (DeepStack features join inside the LLM); Lk = LLM block k at them "
    "(one row per 2-frame temporal patch); text = the LLM over the caption",
    towers=("video", "text"),
    spec="qwen3_vl:/path/to/model | qwen3_vl:ORG/NAME (local HF cache), "
    "L0 = merger output (before the LLM), Lk = LLM layer k over the video tokens",
    example="qwen3_vl:Qwen/Qwen3-VL-2B-Instruct",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.qwen_vl import Qwen3VL

    return Qwen3VL(rest, device)
