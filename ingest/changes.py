"""Edited items never keep stale vectors.

Registering a dataset again compares each caption's text (by sha256) and each video
file's size and modification time with what was registered. An edited caption loses
its done marks in every text variant, a replaced video file its marks in every video
variant (its clips' too), so the next ingest embeds exactly those items again; the
registration summary counts them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vtr.warehouse.queries import registered

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

ITEM_SCHEMA = pa.schema([("item_id", pa.string())])


def stat_video_files(videos: list[dict[str, Any]]) -> None:
    """Set file_size and file_mtime of each video row whose file exists (in place)."""
    for row in videos:
        path = row.get("path")
        try:
            info = os.stat(path) if path else None
        except OSError:
            info = None
        row["file_size"] = info.st_size if info else None
        row["file_mtime"] = info.st_mtime if info else None


def drop_changed_items(
    wh: Warehouse, dataset: str, captions: pa.Table, videos: pa.Table
) -> dict[str, Any]:
    """Unmark the captions and videos of `dataset` whose new rows differ from the stored
    ones; return their counts and the first few ids. Run before the new rows are written,
    in the registration's transaction."""
    found: dict[str, Any] = {}
    for modality, table, view, sql in (
        ("text", captions, "dataset_captions_in", "datasets/changed_captions"),
        ("video", videos, "dataset_videos_in", "datasets/changed_videos"),
    ):
        with registered(wh.con, view, table):
            changed = [row[0] for row in wh.sql(sql, {"dataset": dataset}).fetchall()]
        if changed:
            ids = pa.table({"item_id": changed}, schema=ITEM_SCHEMA)
            with registered(wh.con, "changed_items", ids):
                wh.sql("datasets/unmark_changed", {"dataset": dataset, "modality": modality})
        key = "captions" if modality == "text" else "videos"
        found[f"changed_{key}"] = len(changed)
        found[f"changed_{key}_examples"] = changed[:5]
    return found
