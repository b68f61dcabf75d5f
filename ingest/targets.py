"""The variants of one backbone during an ingest: done sets, commits, results, errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from vtr.ingest.commit import Committer, Fragments, reconcile, write_fragments
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
    """The variants of one backbone: what each holds (its done marks), commits, results.

    An item is processed when any variant lacks it; each variant only receives the
    items it lacks, so re-runs (also with more layers or poolings) never duplicate rows.
    Each batch becomes uncommitted fragments per variant; the committer makes them
    visible and marks their items done every `commit_every` items.
    """

    def __init__(
        self,
        wh,
        summary,
        encoder,
        variants: list[Variant],
        extra: dict[str, Any],
        commit_every: int,
    ) -> None:
        self.wh, self.summary, self.variants = wh, summary, variants
        self.layers = tapped_layers(variants)
        for variant in variants:
            steps = video_steps(encoder, variant.frames) if variant.temporal == "seq" else None
            seq = {"seq_len": steps} if steps else {}
            register_variant(wh, variant, variant_dim(variant, encoder), {**extra, **seq})
        self.done = reconcile(wh, summary.dataset, variants)
        self.committer = Committer(wh, summary.dataset, summary.run_id, commit_every)
        self.results = {variant.id: VariantResult(variant.id) for variant in variants}

    def todo(self, items: list, key) -> list:
        for variant_id, result in self.results.items():
            result.already_present = sum(key(item) in self.done[variant_id] for item in items)
        todo = [item for item in items if any(key(item) not in d for d in self.done.values())]
        self.wh.release()  # the work on `todo` runs with no catalog open; commits reopen it
        return todo

    def add(self, ids: list[str], vectors: dict[str, torch.Tensor], writes=()) -> None:
        """Write a batch's fragments; `writes` ((sql name, rows), ...) go with its commit."""
        self.committer.add(
            variant_fragments(
                self.wh.lance_path, self.summary.dataset, self.variants, self.done, ids, vectors
            ),
            writes,
        )

    def fail(self, ids: list[str], stage: str, message: str) -> None:
        """One error row per item (under the backbone's first variant); every variant counts it."""
        with self.wh.session():
            self._record(ids, stage, message)
        for result in self.results.values():
            result.failed += len(ids)

    def _record(self, ids: list[str], stage: str, message: str) -> None:
        for item_id in ids:
            record_error(
                self.wh, self.summary.run_id, self.summary.dataset, item_id, stage, message,
                self.variants[0].id,
            )  # fmt: skip

    def finish(self) -> list[VariantResult]:
        self.committer.close()
        for variant_id, result in self.results.items():
            result.written = self.committer.committed[variant_id]
        return list(self.results.values())


def variant_fragments(
    vectors_path: Path,
    dataset: str,
    variants: list[Variant],
    done: dict[str, set[str]],
    ids: list[str],
    vectors: dict[str, torch.Tensor],
) -> list[Fragments]:
    """Phase 1 for one batch: each variant's uncommitted fragments of the items it lacks."""
    parts = []
    for variant in variants:
        keep = [i for i, item_id in enumerate(ids) if item_id not in done[variant.id]]
        if keep:
            matrix = vectors[variant.id][keep].float().cpu().numpy()
            parts.append(
                write_fragments(
                    vectors_path,
                    variant.lance_table,
                    dataset,
                    [ids[i] for i in keep],
                    matrix,
                    variant.id,
                )  # fmt: skip
            )
    return parts
