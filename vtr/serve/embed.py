"""Free-text search: a text variant's backbone embeds the query, exact search finds the
nearest videos (or captions) in the warehouse's Lance tables.

Only backbones that can embed new text offline are used: sentence-transformers (`st`),
open_clip and the Hugging Face text towers. A variant written by a trained head, an
imported variant or a family without a text tower gets a message saying why not.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from vtr.errors import EvalInputError

EMBEDDING_FAMILIES = ("st", "open_clip", "hf_text", "hf_clip", "siglip")
_SEED = re.compile(r"random init \(seed (\d+)\)")
_LOCK = threading.Lock()  # one forward pass at a time: encoders are not thread-safe


@dataclass
class Hit:
    item_id: str
    score: float


def why_not(variant: dict[str, Any]) -> str | None:
    """None when the server can embed new text with this text variant, else the reason."""
    family = variant["backbone"].split(":", 1)[0]
    if variant["modality"] != "text":
        return f"{variant['variant_id']} is a {variant['modality']} variant, not a text one"
    if variant.get("head_run"):
        return (
            f"{variant['variant_id']} was written by the head of training run "
            f"{variant['head_run']}; the server embeds text with backbones only, pick the "
            "backbone's own variant"
        )
    if family not in EMBEDDING_FAMILIES:
        return (
            f"{variant['variant_id']}: backbone family {family!r} cannot embed new text here "
            f"(only {', '.join(EMBEDDING_FAMILIES)} can)"
        )
    return None


def seed_of(variant: dict[str, Any]) -> int:
    """The seed a randomly initialised backbone was built with at ingest (0 otherwise)."""
    match = _SEED.search(variant.get("weights") or "")
    return int(match.group(1)) if match else 0


@lru_cache(maxsize=4)
def _encoder(backbone: str, seed: int):
    import torch

    from vtr.ingest.backbones import load_text_encoder

    return load_text_encoder(backbone, torch.device("cpu"), seed=seed)


def embed_text(variant: dict[str, Any], text: str) -> np.ndarray:
    """The query's vector under `variant`, computed as ingest computes its captions'."""
    import torch

    from vtr.ingest.fanout import tapped_layers, text_vectors
    from vtr.warehouse.variants import Variant

    parsed = Variant.parse(variant["variant_id"])
    with _LOCK, torch.no_grad():
        encoder = _encoder(variant["backbone"], seed_of(variant))
        out = encoder.forward_texts([text], tapped_layers([parsed]))
        vector = text_vectors(out, [parsed])[parsed.id]
    return vector.float().cpu().numpy()[0]


def nearest(lance: Path, table: str, dataset: str, query: np.ndarray, k: int) -> list[Hit]:
    """The `k` rows of `dataset` in `table` most cosine-similar to `query` (exact search)."""
    from vtr.warehouse.vectors import VectorStore

    ids, matrix = VectorStore(lance).read(table, dataset)
    if not ids:
        return []
    if matrix.shape[1] != query.shape[0]:
        raise EvalInputError(
            f"the query has {query.shape[0]} dimensions and table {table!r} has "
            f"{matrix.shape[1]}: pick a text and a video variant of the same space"
        )
    matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    scores = matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
    top = np.argsort(-scores, kind="stable")[:k]
    return [Hit(ids[i], float(scores[i])) for i in top]
