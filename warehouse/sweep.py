"""Evaluate every compatible (text variant, video variant) pair in one go.

Compatible = same backbone, same layer and same dim (`sql/reports/sweep_pairs.sql`):
the token/temporal poolings of one layer are compared against each other, and
`final/embed` against `final/embed`. Pairs that already have a plain-cosine
evaluation on the dataset and split are skipped, so a sweep can be resumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vtr.errors import EvalInputError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.evals import run_eval


@dataclass
class SweepResult:
    evaluated: list[dict] = field(default_factory=list)  # eval_id, text_variant, video_variant
    already_done: int = 0


def sweep_pairs(wh: Warehouse, dataset: str, split: str | None) -> list[dict]:
    """Every compatible pair: text_variant, video_variant, evaluated (plain cosine, already)."""
    return wh.rows("reports/sweep_pairs", {"dataset": dataset, "split": split})


def run_sweep(
    wh: Warehouse, dataset: str, split: str | None, k: int = 10, chunk: int = 1024
) -> SweepResult:
    """Plain-cosine evaluation of every compatible pair not yet evaluated; returns the new ids."""
    pairs = sweep_pairs(wh, dataset, split)
    if not pairs:
        raise EvalInputError(
            "no text and video variants share a backbone, layer and dim; ingest both towers "
            "of one backbone (e.g. --video-backbone X --text-backbone X --layers ...)"
        )
    result = SweepResult(already_done=sum(pair["evaluated"] for pair in pairs))
    for pair in pairs:
        if pair["evaluated"]:
            continue
        text, video = pair["text_variant"], pair["video_variant"]
        eval_id = run_eval(wh, dataset, split, text, video, k=k, chunk=chunk)
        result.evaluated.append({"eval_id": eval_id, "text_variant": text, "video_variant": video})
    return result
