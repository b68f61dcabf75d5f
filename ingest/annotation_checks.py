"""Checks every annotation format goes through after its loader: split names (with an
explicit `--split-map`) and empty captions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vtr.errors import AnnotationError

SPLITS = ("train", "val", "test")


def check_rows(path: Path, rows: Any, split_map: dict[str, str] | None = None) -> None:
    """Map split names (`split_map`, e.g. {"Training": "train"}), then refuse a split
    other than train / val / test and an empty caption, naming the first and the count."""
    split_map = split_map or {}
    for video in rows.videos:
        video["split"] = split_map.get(video["split"], video["split"])
    for caption in rows.captions:
        caption["split"] = split_map.get(caption["split"], caption["split"])
    odd = [v for v in rows.videos if v["split"] is not None and v["split"] not in SPLITS]
    if odd:
        names = sorted({v["split"] for v in odd})
        hint = ", ".join(f"{name}=..." for name in names)
        raise AnnotationError(
            f"{path}: {len(odd)} video(s) have a split other than {'/'.join(SPLITS)}, e.g. "
            f"{odd[0]['video_id']!r} with {odd[0]['split']!r} (names seen: {names}); "
            f"map them with --split-map {hint}"
        )
    empty = [c for c in rows.captions if not c["text"].strip()]
    if empty:
        raise AnnotationError(
            f"{path}: {len(empty)} caption(s) are empty, e.g. caption {empty[0]['caption_id']!r} "
            f"of video {empty[0]['video_id']!r}; remove them or give them text"
        )
