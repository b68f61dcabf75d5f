"""`hf_text:PATH`: a transformers AutoModel encoder (vtr.ingest.backbones.hf)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "hf_text",
    help="any transformers AutoModel encoder (BERT style); hidden states only",
    towers=("text",),
    spec="hf_text:/path/to/model | hf_text:ORG/NAME (local HF cache); AutoModel encoder",
    example="hf_text:bert-base-uncased",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.hf import HFTextModel

    return HFTextModel(rest, device)
