"""The generic annotation format: one row per caption, as CSV, TSV or JSONL.

Fields (a header row for CSV/TSV, keys for JSONL):

| field | required | meaning |
| --- | --- | --- |
| `video_id` | yes | the video (its file is `<video_id>.mp4` in `--videos`, if any) |
| `caption` | yes | the caption text (not empty) |
| `split` | no | train, val or test (default test; see `--split-map`) |
| `category` | no | a category name, the same on every row of a video (ids follow first use) |
| `caption_id` | no | the caption's id (default `<video_id>#<n>`, n = 0, 1, ... in file order) |
| `duration` | no | the video's length in seconds |

A video's split, category and duration come from its rows and must agree between them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from vtr.errors import AnnotationError
from vtr.ingest.jsonl import read_jsonl

REQUIRED = ("video_id", "caption")
OPTIONAL = ("split", "category", "caption_id", "duration")
FIELDS = REQUIRED + OPTIONAL


def has_generic_fields(fields: list[str] | None) -> bool:
    """Whether a header (or a JSON object's keys) names the generic format's fields."""
    return fields is not None and all(name in fields for name in REQUIRED)


def load_generic(path: Path, video_dir: Path | None):
    """Read a generic CSV / TSV / JSONL annotation file into DatasetRows."""
    from vtr.ingest.datasets import DatasetRows, _caption, _video

    path = Path(path)
    rows = DatasetRows(format="generic")
    videos: dict[str, dict[str, Any]] = {}
    categories: dict[str, int] = {}
    seen: set[str] = set()
    per_video: dict[str, int] = {}
    for where, item in _records(path):
        video_id, text = _text(item, "video_id", where), _text(item, "caption", where)
        if not text.strip():
            raise AnnotationError(f"{where}: the caption of video {video_id!r} is empty")
        known = {
            "split": _optional_text(item, "split", where) or "test",
            "category_id": _category(item, where, categories),
            "duration": _duration(item, where),
        }
        video = videos.get(video_id)
        if video is None:
            video = videos[video_id] = _video(video_id, video_dir, **known)
        for key, value in known.items():
            if value is not None and video[key] != value:
                raise AnnotationError(
                    f"{where}: video {video_id!r} has {key} {value!r} here but "
                    f"{video[key]!r} on an earlier row"
                )
        index = per_video.get(video_id, 0)
        per_video[video_id] = index + 1
        caption_id = _optional_text(item, "caption_id", where) or f"{video_id}#{index}"
        if caption_id in seen:
            raise AnnotationError(f"{where}: caption id {caption_id!r} is used twice")
        seen.add(caption_id)
        rows.captions.append(_caption(caption_id, video, text))
    if not rows.captions:
        raise AnnotationError(f"{path}: no caption rows")
    rows.videos = list(videos.values())
    rows.categories = [{"category_id": i, "name": name} for name, i in categories.items()]
    return rows


def _records(path: Path):
    """(where, record) for each row of the file."""
    if path.suffix.lower() == ".jsonl":
        for line_no, item in read_jsonl(path):
            yield f"{path}: line {line_no}", item
        return
    try:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            if not has_generic_fields(reader.fieldnames):
                raise AnnotationError(
                    f"{path}: the generic format needs columns {', '.join(REQUIRED)} "
                    f"(optional: {', '.join(OPTIONAL)}); found {reader.fieldnames}"
                )
            for line_no, item in enumerate(reader, start=2):
                yield f"{path}: line {line_no}", {k: v for k, v in item.items() if v != ""}
    except OSError as err:
        raise AnnotationError(f"cannot read annotations {path}: {err.strerror or err}") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise AnnotationError(f"{path} is not readable UTF-8 text: {err}") from None


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise AnnotationError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return str(value)


def _optional_text(item: dict[str, Any], key: str, where: str) -> str | None:
    return None if item.get(key) in (None, "") else _text(item, key, where)


def _category(item: dict[str, Any], where: str, categories: dict[str, int]) -> int | None:
    value = item.get("category")
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise AnnotationError(f"{where}: 'category' must be a name, got {value!r}")
    name = str(value)
    return categories.setdefault(name, len(categories))


def _duration(item: dict[str, Any], where: str) -> float | None:
    value = item.get("duration")
    if value in (None, ""):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if isinstance(value, bool) or not seconds > 0 or seconds == float("inf"):
        raise AnnotationError(f"{where}: 'duration' must be a positive number, got {value!r}")
    return seconds
