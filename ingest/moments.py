"""QVHighlights-format moment annotations (JSONL) -> catalog tables.

One JSON object per line: `qid`, `query`, `duration`, `vid`, and, on labelled
splits, `relevant_windows` ([[start, end], ...] seconds), `relevant_clip_ids`
(2-second clip indices) and `saliency_scores` (one [a, b, c] triple of 0-4 scores
from three annotators per relevant clip). The test split has no labels.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from vtr.errors import AnnotationError
from vtr.ingest.datasets import DatasetRows, _caption, _video
from vtr.ingest.jsonl import read_jsonl
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.queries import registered

N_ANNOTATORS = 3
MAX_SALIENCY = 4

QUERY_SCHEMA = pa.schema(
    [
        ("qid", pa.int64()),
        ("query", pa.string()),
        ("video_id", pa.string()),
        ("duration", pa.float64()),
        ("split", pa.string()),
    ]
)
WINDOW_SCHEMA = pa.schema(
    [
        ("qid", pa.int64()),
        ("window_idx", pa.int32()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
    ]
)
SALIENCY_SCHEMA = pa.schema(
    [
        ("qid", pa.int64()),
        ("clip_idx", pa.int32()),
        ("annotator", pa.int32()),
        ("score", pa.int32()),
    ]
)


@dataclass
class MomentRows:
    """The rows of one annotation file, ready for the catalog tables."""

    queries: list[dict[str, Any]] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    saliency: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        return {
            "moment_queries_in": pa.Table.from_pylist(self.queries, QUERY_SCHEMA),
            "moment_windows_in": pa.Table.from_pylist(self.windows, WINDOW_SCHEMA),
            "moment_saliency_in": pa.Table.from_pylist(self.saliency, SALIENCY_SCHEMA),
        }


def load_moments_jsonl(path: Path, split: str | None = None, clip_len: float = 2.0) -> MomentRows:
    """Parse a QVHighlights annotation file; AnnotationError names the line, qid and cause."""
    path = Path(path)
    rows = MomentRows()
    seen: set[int] = set()
    for line_no, item in read_jsonl(path):
        where = f"{path}:{line_no} (qid {item.get('qid')!r})"
        qid = _qid(item, where)
        if qid in seen:
            raise AnnotationError(f"{where}: qid {qid} appears twice")
        seen.add(qid)
        duration = _positive(item.get("duration"), "duration", where)
        for key in ("query", "vid"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise AnnotationError(f"{where}: {key!r} must be a non-empty string")
        rows.queries.append(
            {
                "qid": qid,
                "query": item["query"],
                "video_id": item["vid"],
                "duration": duration,
                "split": split,
            }
        )
        rows.windows += _windows(item.get("relevant_windows") or [], qid, where, duration)
        rows.saliency += _saliency(item, qid, duration, clip_len, where)
    return rows


def split_from_name(path: Path) -> str | None:
    """'train' / 'val' / 'test' when the file name says so (highlight_val_release.jsonl)."""
    words = set(Path(path).stem.lower().replace("-", "_").split("_"))
    for split, names in (("train", {"train"}), ("val", {"val", "valid", "validation"})):
        if words & names:
            return split
    return "test" if "test" in words else None


def load_qvhighlights(path: Path, video_dir: Path | None, clip_len: float = 2.0) -> DatasetRows:
    """A QVHighlights file as dataset rows: one video per `vid`, one caption per query
    (caption_id = qid), and the moment annotations; the split comes from the file name."""
    split = split_from_name(path)
    moments = load_moments_jsonl(path, split=split, clip_len=clip_len)
    rows = DatasetRows(format="qvhighlights", moments=moments)
    videos: dict[str, dict[str, Any]] = {}
    for query in moments.queries:
        video = videos.get(query["video_id"])
        if video is None:
            video = _video(query["video_id"], video_dir, split=split, duration=query["duration"])
            videos[query["video_id"]] = video
        video["duration"] = max(video["duration"], query["duration"])
        rows.captions.append(_caption(str(query["qid"]), video, query["query"]))
    rows.videos = list(videos.values())
    return rows


def write_moments(wh: Warehouse, dataset: str, rows: MomentRows) -> dict[str, int]:
    """Upsert the annotations of `rows` (every qid in it is replaced); caller holds the
    transaction. Returns row counts."""
    tables = rows.tables()
    with ExitStack() as stack:
        for view, table in tables.items():
            stack.enter_context(registered(wh.con, view, table))
        for part in ("queries", "windows", "saliency"):
            wh.sql(f"moments/clear_{part}", {"dataset": dataset})
            wh.sql(f"moments/write_{part}", {"dataset": dataset})
    return {name: table.num_rows for name, table in tables.items()}


def register_moments(wh: Warehouse, dataset: str, rows: MomentRows) -> dict[str, int]:
    """`write_moments` in its own transaction."""
    with wh.transaction():
        return write_moments(wh, dataset, rows)


def _qid(item: dict[str, Any], where: str) -> int:
    qid = item.get("qid")
    if isinstance(qid, bool) or not isinstance(qid, int):
        raise AnnotationError(f"{where}: 'qid' must be an integer")
    return qid


def _positive(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise AnnotationError(f"{where}: {key!r} must be a positive number, got {value!r}")
    return float(value)


def _windows(windows: Any, qid: int, where: str, duration: float) -> list[dict[str, Any]]:
    """The query's relevant windows; each [start, end] with 0 <= start <= end <= duration
    (Moment-DETR's data never leaves the video; a window past it is an annotation error)."""
    if not isinstance(windows, list):
        raise AnnotationError(f"{where}: 'relevant_windows' must be a list of [start, end]")
    out = []
    for i, window in enumerate(windows):
        if (
            not isinstance(window, list)
            or len(window) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in window)
            or window[1] < window[0]
        ):
            raise AnnotationError(
                f"{where}: relevant window {i} {window!r} is not [start, end] with start <= end"
            )
        if window[0] < 0 or window[1] > duration:
            raise AnnotationError(
                f"{where}: relevant window {i} {window!r} lies outside the video's "
                f"[0, {duration:g}] s"
            )
        out.append({"qid": qid, "window_idx": i, "start_s": window[0], "end_s": window[1]})
    return out


def _saliency(
    item: dict[str, Any], qid: int, duration: float, clip_len: float, where: str
) -> list[dict[str, Any]]:
    clip_ids = item.get("relevant_clip_ids") or []
    scores = item.get("saliency_scores") or []
    if len(clip_ids) != len(scores):
        raise AnnotationError(
            f"{where}: {len(clip_ids)} relevant_clip_ids but {len(scores)} saliency_scores"
        )
    n_clips = int(duration / clip_len)
    out = []
    for clip, triple in zip(clip_ids, scores, strict=True):
        if isinstance(clip, bool) or not isinstance(clip, int) or not 0 <= clip < n_clips:
            raise AnnotationError(
                f"{where}: relevant clip id {clip!r} is outside the video's {n_clips} clips"
            )
        if (
            not isinstance(triple, list)
            or len(triple) != N_ANNOTATORS
            or not all(isinstance(s, int) and 0 <= s <= MAX_SALIENCY for s in triple)
        ):
            raise AnnotationError(
                f"{where}: saliency of clip {clip} must be {N_ANNOTATORS} integers in "
                f"0-{MAX_SALIENCY}, got {triple!r}"
            )
        out += [
            {"qid": qid, "clip_idx": clip, "annotator": a, "score": s} for a, s in enumerate(triple)
        ]
    return out
