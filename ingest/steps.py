"""Step annotations of procedure videos: which step happens when, in order.

Three formats load into the same rows (`StepRow`: qid, video, step_index, query,
start, end; seconds):

* JSONL, one step per line: `{"qid", "video", "query", "start", "end"}` (the format
  `vtr metrics steps` reads; `step_index` is the step's order within its video by start).
* Ego4D GoalStep-style JSON: `{"videos": [{"video_uid", "segments": [{"start_time",
  "end_time", "step_description", ...}, ...]}, ...]}`; the top-level segments of a
  video are its steps, in time order (their nested substeps are ignored).
* CSV with a header `video_id,step_index,start,end,description`.

Every problem names the file, the line (or item) and the cause.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vtr.errors import AnnotationError
from vtr.ingest.jsonl import read_jsonl
from vtr.warehouse.queries import registered

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse


@dataclass(frozen=True)
class StepRow:
    qid: str
    video: str
    step_index: int
    query: str
    start: float
    end: float
    split: str | None = None
    duration: float | None = None


STEP_SCHEMA = pa.schema(
    [
        ("qid", pa.string()),
        ("video_id", pa.string()),
        ("step_index", pa.int32()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
    ]
)


def load_steps(path: str | Path) -> list[StepRow]:
    """Step rows of a .jsonl, .json (GoalStep) or .csv file, by its extension."""
    path = Path(path)
    loaders = {".jsonl": load_steps_jsonl, ".json": load_goalstep_json, ".csv": load_steps_csv}
    if path.suffix.lower() not in loaders:
        raise AnnotationError(f"{path}: step annotations must be .jsonl, .json or .csv")
    return loaders[path.suffix.lower()](path)


def load_steps_jsonl(path: Path) -> list[StepRow]:
    raw, extra = [], {}
    for number, item in read_jsonl(path):
        where = f"{path}:{number}"
        missing = [k for k in ("qid", "video", "query", "start", "end") if k not in item]
        if missing:
            raise AnnotationError(f"{where}: missing field(s) {missing}")
        qid = str(item["qid"])
        start, end = _span(item, "start", "end", where)
        raw.append((where, qid, str(item["video"]), _text(item["query"], where), start, end))
        duration = item.get("duration")
        if duration is not None and not (isinstance(duration, int | float) and duration > 0):
            raise AnnotationError(f"{where}: 'duration' must be a positive number")
        extra[qid] = {"split": item.get("split"), "duration": duration}
    return [replace(row, **extra[row.qid]) for row in _ordered(raw)]


def load_goalstep_json(path: Path) -> list[StepRow]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise AnnotationError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
    videos = data.get("videos") if isinstance(data, dict) else None
    if not isinstance(videos, list):
        raise AnnotationError(f"{path}: expected {{'videos': [...]}} (Ego4D GoalStep layout)")
    raw = []
    for i, video in enumerate(videos):
        where = f"{path}: videos[{i}]"
        if not isinstance(video, dict) or "video_uid" not in video:
            raise AnnotationError(f"{where}: needs a 'video_uid'")
        uid = str(video["video_uid"])
        for j, seg in enumerate(video.get("segments") or []):
            at = f"{where}.segments[{j}]"
            if not isinstance(seg, dict) or "step_description" not in seg:
                raise AnnotationError(f"{at}: needs 'start_time', 'end_time', 'step_description'")
            start, end = _span(seg, "start_time", "end_time", at)
            raw.append((at, f"{uid}#{j}", uid, _text(seg["step_description"], at), start, end))
    return _ordered(raw)


def load_steps_csv(path: Path) -> list[StepRow]:
    text = _read_text(path)
    reader = csv.DictReader(text.splitlines())
    needed = {"video_id", "step_index", "start", "end", "description"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise AnnotationError(f"{path}: header must hold {sorted(needed)}")
    raw = []
    for number, row in enumerate(reader, start=2):
        where = f"{path}:{number}"
        try:
            index = int(row["step_index"])
        except (TypeError, ValueError):
            raise AnnotationError(
                f"{where}: step_index {row['step_index']!r} is not an integer"
            ) from None
        video = row["video_id"]
        start, end = _span(row, "start", "end", where)
        raw.append((where, f"{video}#{index}", video, _text(row["description"], where), start, end))
    return _ordered(raw)


def _ordered(raw: list[tuple[str, str, str, str, float, float]]) -> list[StepRow]:
    """StepRows with step_index = order by start within each video; qids must be unique."""
    seen: dict[str, str] = {}
    for where, qid, *_ in raw:
        if qid in seen:
            raise AnnotationError(f"{where}: qid {qid!r} repeats {seen[qid]}")
        seen[qid] = where
    by_video: dict[str, list[tuple[float, float, str, str]]] = {}
    for _, qid, video, query, start, end in raw:
        by_video.setdefault(video, []).append((start, end, qid, query))
    rows = []
    for video, steps in by_video.items():
        for index, (start, end, qid, query) in enumerate(sorted(steps)):
            rows.append(StepRow(qid, video, index, query, start, end))
    return rows


def _span(item: dict[str, Any], start_key: str, end_key: str, where: str) -> tuple[float, float]:
    try:
        start, end = float(item[start_key]), float(item[end_key])
    except (KeyError, TypeError, ValueError):
        raise AnnotationError(f"{where}: {start_key!r} and {end_key!r} must be numbers") from None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
        raise AnnotationError(f"{where}: bad window [{start}, {end}] (need 0 <= start < end)")
    return start, end


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AnnotationError(f"{where}: the step description must be a non-empty string")
    return value.strip()


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AnnotationError(f"cannot read {path}: {err}") from None


def load_steps_dataset(path: Path, video_dir: Path | None):
    """A step file as dataset rows: one video per step video (its split from the row, else
    from the file name), one caption per step (caption_id = qid), and the step rows."""
    from vtr.ingest.datasets import DatasetRows, _caption, _video
    from vtr.ingest.moments import split_from_name

    steps = load_steps(path)
    default_split = split_from_name(path)
    rows = DatasetRows(format="steps", steps=steps)
    videos: dict[str, dict[str, Any]] = {}
    for step in steps:
        video = videos.get(step.video)
        if video is None:
            split = step.split or default_split
            video = videos[step.video] = _video(step.video, video_dir, split=split)
        if step.duration is not None:
            video["duration"] = max(video["duration"] or 0.0, step.duration)
        rows.captions.append(_caption(step.qid, video, step.query))
    rows.videos = list(videos.values())
    return rows


def write_steps(wh: Warehouse, dataset: str, steps: list[StepRow]) -> int:
    """Upsert the step rows (replacing those of the same qids); caller holds the transaction."""
    table = pa.Table.from_pylist(
        [
            {
                "qid": s.qid,
                "video_id": s.video,
                "step_index": s.step_index,
                "start_s": s.start,
                "end_s": s.end,
            }
            for s in steps
        ],
        schema=STEP_SCHEMA,
    )
    with registered(wh.con, "steps_in", table):
        wh.sql("steps/write", {"dataset": dataset})
    return table.num_rows
