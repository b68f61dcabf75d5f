"""From the ids in file names and id columns to the dataset's video and caption ids.

Videos are named by their video id. Captions are named by their caption id, or as
`<video_id>-<n>`: the n-th caption of that video, **1-based**, counted in the order of
the dataset's annotation file (seed 001's `video7890-1.npy` is the first caption of
video7890). `naming` picks one: `caption-id`, `video-n`, `qid` (Moment-DETR's query
feature files `qid<qid>.npz` of a moment dataset, whose queries are captions with id
`<qid>`), or `auto` (a caption id when the name is one, else `<video_id>-<n>`, else
`qid<qid>`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from vtr.errors import ImportInputError

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

NAMINGS = ("auto", "caption-id", "video-n", "qid")
_VIDEO_N = re.compile(r"^(?P<video>.+)-(?P<n>\d+)$")
_QID = re.compile(r"^qid(?P<qid>\d+)$")


def caption_positions(wh: Warehouse, dataset: str) -> dict[str, list[str]]:
    """Per video, its caption ids in annotation-file order (from the annotation file)."""
    from vtr.ingest.datasets import get_dataset, load_annotations
    from vtr.registry import FORMATS

    row = get_dataset(wh, dataset)
    path = row.get("annotations")
    if not path or row["format"] not in FORMATS or not Path(path).is_file():
        raise ImportInputError(
            f"captions named <video_id>-<n> need the annotation file of dataset {dataset!r} "
            f"to count positions, and {path!r} is not readable; name the files by caption id"
        )
    rows = load_annotations(Path(path), None, row["format"])
    order: dict[str, list[str]] = {}
    for caption in rows.captions:
        order.setdefault(caption["video_id"], []).append(caption["caption_id"])
    return order


class IdResolver:
    """Maps a raw id to a dataset item id, or None when the dataset has no such item."""

    def __init__(self, wh, dataset: str, modality: str, naming: str = "auto") -> None:
        if naming not in NAMINGS:
            raise ImportInputError(f"unknown --naming {naming!r}; choose from {NAMINGS}")
        self.wh, self.dataset, self.naming, self.modality = wh, dataset, naming, modality
        if modality == "video":
            rows = wh.rows("ingest/videos", {"dataset": dataset})
            self.known = {row["video_id"] for row in rows}
        else:
            self.known = {
                row["caption_id"] for row in wh.rows("ingest/captions", {"dataset": dataset})
            }
        self._positions: dict[str, list[str]] | None = None

    def positions(self) -> dict[str, list[str]]:
        if self._positions is None:
            self._positions = caption_positions(self.wh, self.dataset)
        return self._positions

    def __call__(self, raw: str) -> str | None:
        if self.modality == "video" or self.naming == "caption-id":
            return raw if raw in self.known else None
        if self.naming == "auto" and raw in self.known:
            return raw
        query = _QID.match(raw)
        if self.naming == "qid" or (self.naming == "auto" and query):
            return query["qid"] if query and query["qid"] in self.known else None
        match = _VIDEO_N.match(raw)
        if not match:
            return None
        captions = self.positions().get(match["video"], [])
        n = int(match["n"])
        return captions[n - 1] if 1 <= n <= len(captions) else None


def video_n_names(wh: Warehouse, dataset: str) -> dict[str, str]:
    """caption id -> `<video_id>-<n>` (1-based, annotation-file order), for export."""
    return {
        caption: f"{video}-{i}"
        for video, captions in caption_positions(wh, dataset).items()
        for i, caption in enumerate(captions, start=1)
    }
