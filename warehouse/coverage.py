"""Which listed items an evaluation can use: `--missing fail` (the default) refuses a
split where some listed video or caption has no vector; `--missing skip` evaluates the
items that have vectors in both variants and records the coverage, because a partial
gallery makes R@K look better than the full one would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vtr.errors import EvalInputError

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

MISSING = {
    "fail": "refuse when a listed video or caption has no vector (default)",
    "skip": "evaluate the items with vectors in both variants; the evaluation records "
    "the coverage (n evaluated / n listed)",
}


@dataclass(frozen=True)
class Items:
    """The videos and captions an evaluation ranks, `gt[i]` = position of caption i's video."""

    video_ids: list[str]
    caption_ids: list[str]
    gt: np.ndarray
    n_videos_listed: int
    n_texts_listed: int

    def coverage(self) -> dict[str, int]:
        """The evals row's coverage columns."""
        return {
            "n_videos_listed": self.n_videos_listed,
            "n_texts_listed": self.n_texts_listed,
        }


def check_missing(missing: str) -> str:
    if missing not in MISSING:
        raise EvalInputError(f"unknown --missing {missing!r}; choose one of {', '.join(MISSING)}")
    return missing


def covered_items(
    wh: Warehouse,
    dataset: str,
    text: tuple[dict[str, Any], str],
    video: tuple[dict[str, Any], str],
    listed: tuple[list[str], list[str], np.ndarray],
    missing: str = "fail",
) -> Items:
    """The listed (video_ids, caption_ids, gt) that have vectors, under the `missing` rule.

    `text` and `video` are (catalog row, variant id). A caption is evaluated only when its
    video is too; with `skip`, nothing left to evaluate is an error that says so.
    """
    check_missing(missing)
    video_ids, caption_ids, gt = listed
    have_video = _present(wh, video, dataset, video_ids)
    have_text = _present(wh, text, dataset, caption_ids)
    n_v, n_t = int(have_video.sum()), int(have_text.sum())
    if n_v == len(video_ids) and n_t == len(caption_ids):
        return Items(video_ids, caption_ids, gt, len(video_ids), len(caption_ids))
    if missing == "fail":
        parts = []
        checks = ((video, video_ids, have_video), (text, caption_ids, have_text))
        for (row, variant_id), ids, have in checks:
            absent = [item for item, ok in zip(ids, have, strict=True) if not ok]
            if absent:
                parts.append(
                    f"{len(absent)} of {len(ids)} {row['modality']} items have no vector in "
                    f"{variant_id!r} (e.g. {absent[:3]})"
                )
        raise EvalInputError(
            f"dataset {dataset!r}: {'; '.join(parts)}. Ingest or import them, or evaluate "
            "what is there with --missing skip (the evaluation then records its coverage)"
        )
    keep_caption = have_text & have_video[gt]
    if n_v == 0 or not keep_caption.any():
        raise EvalInputError(
            f"dataset {dataset!r}: nothing to evaluate with --missing skip: {n_v} of "
            f"{len(video_ids)} videos and {n_t} of {len(caption_ids)} captions have vectors, "
            f"and {int(keep_caption.sum())} captions have both their own and their video's"
        )
    new_position = np.cumsum(have_video) - 1
    return Items(
        [v for v, ok in zip(video_ids, have_video, strict=True) if ok],
        [c for c, ok in zip(caption_ids, keep_caption, strict=True) if ok],
        new_position[gt[keep_caption]].astype(np.int64),
        len(video_ids),
        len(caption_ids),
    )


def _present(
    wh: Warehouse, variant: tuple[dict[str, Any], str], dataset: str, ids: list[str]
) -> np.ndarray:
    row, variant_id = variant
    if not wh.vectors.has_table(row["lance_table"]):
        raise EvalInputError(
            f"{row['modality']} variant {variant_id!r}: its table {row['lance_table']!r} does "
            "not exist; run `vtr ingest` (or `vtr import`) for it first"
        )
    existing = wh.vectors.existing_ids(row["lance_table"], dataset)
    return np.fromiter((item in existing for item in ids), bool, len(ids))
