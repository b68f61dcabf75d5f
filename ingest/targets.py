"""The variants of one backbone during an ingest: done sets, writers, results, errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from vtr.ingest.fanout import tapped_layers, variant_dim, video_steps
from vtr.warehouse.runs import record_error
from vtr.warehouse.variants import Variant, register_variant


@dataclass
class VariantResult:
    variant_id: str
    written: int = 0
    already_present: int = 0
    failed: int = 0


class Targets:
    """The variants of one backbone: what each already holds, its writer and its result.

    An item is processed when any variant lacks it; each variant only receives the
    items it lacks, so re-runs (also with more layers or poolings) never duplicate rows.
    """

    def __init__(
        self,
        wh,
        summary,
        encoder,
        variants: list[Variant],
        extra: dict[str, Any],
        make_writer: Callable[[str], Any],
    ) -> None:
        self.wh, self.summary, self.variants = wh, summary, variants
        self.layers = tapped_layers(variants)
        self.done, self.writers = {}, {}
        for variant in variants:
            steps = video_steps(encoder, variant.frames) if variant.temporal == "seq" else None
            seq = {"seq_len": steps} if steps else {}
            register_variant(wh, variant, variant_dim(variant, encoder), {**extra, **seq})
            table = variant.lance_table
            self.done[variant.id] = wh.vectors.existing_ids(table, summary.dataset)
            self.writers[variant.id] = make_writer(table)
        self.results = {variant.id: VariantResult(variant.id) for variant in variants}

    def todo(self, items: list, key) -> list:
        for variant_id, result in self.results.items():
            result.already_present = sum(key(item) in self.done[variant_id] for item in items)
        return [item for item in items if any(key(item) not in d for d in self.done.values())]

    def add(self, ids: list[str], vectors: dict[str, torch.Tensor]) -> None:
        for variant_id, writer in self.writers.items():
            keep = [i for i, item_id in enumerate(ids) if item_id not in self.done[variant_id]]
            if keep:
                writer.add([ids[i] for i in keep], vectors[variant_id][keep])

    def fail(self, ids: list[str], stage: str, message: str) -> None:
        """One error row per item (under the backbone's first variant); every variant counts it."""
        for item_id in ids:
            record_error(
                self.wh, self.summary.run_id, self.summary.dataset, item_id, stage, message,
                self.variants[0].id,
            )  # fmt: skip
        for result in self.results.values():
            result.failed += len(ids)

    def finish(self) -> list[VariantResult]:
        for variant_id, writer in self.writers.items():
            writer.flush()
            self.results[variant_id].written = writer.written
        return list(self.results.values())
