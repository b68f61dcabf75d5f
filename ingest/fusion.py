"""Fusion variants: one variant made from stored variants of the same items, with no
decoding (MMT-style multi-modal retrieval without retraining).

`sum`: each input L2-normalised, weighted, summed, normalised again (inputs share one
dim). `concat`: each input L2-normalised and weighted, then concatenated, so the
cosine of two fused vectors is the weighted sum of the inputs' cosines, normalised by
the sum of squared weights. The fused variant is an ordinary variant
(`video/fuse:NAME/final/sum/fused/8f`); it is written with the ingest commit rule,
covers the items present in every input, and a rerun adds only items it lacks.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from vtr.errors import EvalInputError
from vtr.ingest.commit import Committer, write_fragments
from vtr.warehouse.runs import run_lifecycle
from vtr.warehouse.search import l2_normalize
from vtr.warehouse.variants import Variant, get_variant, register_variant, sequence_length

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

MODES = {
    "sum": "L2-normalised inputs, weighted and summed (inputs share one dim)",
    "concat": "L2-normalised inputs, weighted and concatenated (dims add up)",
}
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")


@dataclass
class FuseResult:
    variant_id: str
    run_id: int
    written: int
    already_present: int
    skipped: dict[str, int] = field(default_factory=dict)  # input -> its items left out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fused_variant(rows: list[dict[str, Any]], name: str, mode: str) -> Variant:
    """The id of the fusion of `rows` (catalog rows of the inputs)."""
    modality = rows[0]["modality"]
    frames = max((row["frames"] or 0) for row in rows) if modality == "video" else None
    temporal = "fused" if modality == "video" else None
    return Variant(modality, f"fuse:{name}", "final", mode, temporal=temporal, frames=frames)


def fuse_variants(
    wh: Warehouse,
    dataset: str,
    variants: list[str],
    name: str,
    mode: str = "sum",
    weights: list[float] | None = None,
) -> FuseResult:
    """Write the fusion of `variants` (same modality) for `dataset`; see the module doc."""
    rows = _check(wh, variants, name, mode)
    weights = _weights(weights, len(variants))
    variant = fused_variant(rows, name, mode)
    present = [wh.vectors.existing_ids(row["lance_table"], dataset) for row in rows]
    common = set.intersection(*present)
    if not common:
        raise EvalInputError(
            f"no item of dataset {dataset!r} has vectors in all of {variants}; nothing to fuse"
        )
    done = wh.vectors.existing_ids(variant.lance_table, dataset)
    todo = sorted(common - done)
    config = {"dataset": dataset, "inputs": variants, "mode": mode, "weights": weights}
    with run_lifecycle(wh, "fuse", config) as run:
        result = FuseResult(variant.id, run.id, 0, len(common & done))
        result.skipped = {v: len(p - common) for v, p in zip(variants, present, strict=True)}
        run.summary = result.as_dict()
        if todo:
            matrix = _fuse(wh, rows, dataset, todo, weights, mode)
            extra = {"fused_from": variants, "mode": mode, "weights": weights, "normalised": "L2"}
            register_variant(wh, variant, int(matrix.shape[1]), extra)
            part = write_fragments(
                wh.lance_path, variant.lance_table, dataset, todo, matrix, variant.id
            )
            committer = Committer(wh, dataset, run.id, every=sys.maxsize)
            committer.add([part])
            committer.commit()
            result.written = committer.committed[variant.id]
        run.summary = result.as_dict()
    return result


def _fuse(wh: Warehouse, rows, dataset, ids, weights, mode) -> np.ndarray:
    parts = []
    for row, weight in zip(rows, weights, strict=True):
        _, matrix = wh.vectors.read(row["lance_table"], dataset, ids)
        parts.append(weight * l2_normalize(matrix.astype(np.float32)))
    fused = np.sum(parts, axis=0) if mode == "sum" else np.concatenate(parts, axis=1)
    return l2_normalize(fused).astype(np.float32)


def _check(wh: Warehouse, variants: list[str], name: str, mode: str) -> list[dict[str, Any]]:
    if mode not in MODES:
        raise EvalInputError(f"unknown fusion mode {mode!r}; choose one of {', '.join(MODES)}")
    if not name or not set(name) <= NAME_CHARS:
        raise EvalInputError(
            f"fusion name {name!r}: use letters, digits and - _ . + (it goes into the id)"
        )
    if len(variants) < 2 or len(set(variants)) != len(variants):
        raise EvalInputError("give at least two different --variant to fuse")
    rows = [get_variant(wh, v) for v in variants]
    if len({row["modality"] for row in rows}) != 1:
        raise EvalInputError(f"variants to fuse must share one modality: {variants}")
    for row in rows:
        if sequence_length(row) is not None:
            raise EvalInputError(
                f"variant {row['variant_id']!r} stores frame sequences; fuse pooled variants"
            )
    if mode == "sum" and len({row["dim"] for row in rows}) != 1:
        dims = {row["variant_id"]: row["dim"] for row in rows}
        raise EvalInputError(f"--mode sum needs one dim for all inputs, got {dims}; use concat")
    return rows


def _weights(weights: list[float] | None, n: int) -> list[float]:
    if weights is None:
        return [1.0] * n
    if len(weights) != n:
        raise EvalInputError(f"{len(weights)} weights for {n} variants; give one per --variant")
    if not all(math.isfinite(w) and w >= 0 for w in weights) or not any(weights):
        raise EvalInputError(f"weights must be finite, >= 0 and not all 0, got {weights}")
    return [float(w) for w in weights]
