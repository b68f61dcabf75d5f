"""`lm:PATH`: a decoder-only language model (vtr.ingest.backbones.hf)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "lm",
    help="transformers AutoModelForCausalLM (decoder-only); hidden states only",
    towers=("text",),
    spec="lm:/path/to/model | lm:ORG/NAME (local HF cache); AutoModelForCausalLM",
    example="lm:Qwen/Qwen2.5-0.5B",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.hf import HFTextModel

    return HFTextModel(rest, device, causal=True)
