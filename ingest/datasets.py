"""Dataset loaders (MSR-VTT JSON, the 1k-A CSV) and their registration in the catalog.

A loader turns an annotation file into `DatasetRows` (plain dicts, one per video, caption
and category); `register_dataset` writes them into the catalog in one transaction,
idempotently, and records every listed video whose file is missing in `ingest_errors`.
"""

from __future__ import annotations

import csv
import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from vtr.errors import AnnotationError, UnknownDataset
from vtr.ingest.annotation_checks import check_rows
from vtr.ingest.changes import drop_changed_items, stat_video_files
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.queries import registered
from vtr.warehouse.runs import run_lifecycle

# The official MSR-VTT category names, by category id.
MSRVTT_CATEGORIES = (
    "music", "people", "gaming", "sports/actions", "news/events/politics", "education",
    "tv shows", "movie/comedy", "animation", "vehicles/autos", "howto", "travel",
    "science/technology", "animals/pets", "kids/family", "documentary", "food/drink",
    "cooking", "beauty/fashion", "advertisement",
)  # fmt: skip
SPLIT_NAMES = {"validate": "val", "validation": "val"}
CSV_COLUMNS = ("key", "video_id", "sentence")

VIDEO_SCHEMA = pa.schema(
    [
        ("video_id", pa.string()),
        ("path", pa.string()),
        ("duration", pa.float64()),
        ("fps", pa.float64()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("n_frames", pa.int32()),
        ("category_id", pa.int32()),
        ("split", pa.string()),
        ("file_size", pa.int64()),
        ("file_mtime", pa.float64()),
    ]
)
CAPTION_SCHEMA = pa.schema(
    [
        ("caption_id", pa.string()),
        ("video_id", pa.string()),
        ("text", pa.string()),
        ("n_words", pa.int32()),
        ("split", pa.string()),
    ]
)
CATEGORY_SCHEMA = pa.schema([("category_id", pa.int32()), ("name", pa.string())])
MISSING_SCHEMA = pa.schema([("item_id", pa.string()), ("message", pa.string())])


@dataclass
class DatasetRows:
    """What a loader read: catalog rows for videos, captions and categories."""

    videos: list[dict[str, Any]] = field(default_factory=list)
    captions: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    format: str = ""
    moments: Any = None  # MomentRows of a moment-retrieval dataset (queries, windows, saliency)
    steps: Any = None  # step rows of a step-grounding dataset (qid, video, order, window)


def n_words(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())


def _video(video_id: str, video_dir: Path | None, **known: Any) -> dict[str, Any]:
    row = dict.fromkeys(VIDEO_SCHEMA.names)
    row["video_id"] = video_id
    row["path"] = str(Path(video_dir) / f"{video_id}.mp4") if video_dir is not None else None
    row.update(known)
    return row


def _caption(caption_id: str, video: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "caption_id": caption_id,
        "video_id": video["video_id"],
        "text": text,
        "n_words": n_words(text),
        "split": video["split"],
    }


def _number(value: Any) -> float | None:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if is_number else None


def load_msrvtt_json(annotations: Path, video_dir: Path | None) -> DatasetRows:
    """Read an MSR-VTT style JSON: train_val/test_videodatainfo.json, CLIP4Clip's
    MSRVTT_data.json or a synthetic corpus. Split "validate" becomes "val"."""
    path = Path(annotations)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise AnnotationError(f"cannot read annotations {path}: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise AnnotationError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise AnnotationError(f"{path}: expected a JSON object with 'videos' and 'sentences'")
    for key in ("videos", "sentences"):
        if not isinstance(data.get(key), list):
            raise AnnotationError(
                f"{path}: missing list {key!r} (MSR-VTT JSON has videos + sentences)"
            )
    rows = DatasetRows(format="msrvtt-json")
    rows.categories = _json_categories(path, data.get("categories"))
    by_id: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(data["videos"]):
        video = _json_video(path, i, item, video_dir)
        if video["video_id"] in by_id:
            raise AnnotationError(f"{path}: videos[{i}] repeats video_id {video['video_id']!r}")
        by_id[video["video_id"]] = video
    rows.videos = list(by_id.values())
    seen: set[str] = set()
    per_video: dict[str, int] = {}
    for i, item in enumerate(data["sentences"]):
        where = f"{path}: sentences[{i}]"
        if not isinstance(item, dict):
            raise AnnotationError(f"{where} is not an object")
        video_id, text = item.get("video_id"), item.get("caption")
        if not isinstance(text, str):
            raise AnnotationError(f"{where} has no 'caption' text")
        if video_id not in by_id:
            raise AnnotationError(f"{where} refers to unknown video {video_id!r}")
        index = per_video.get(video_id, 0)
        per_video[video_id] = index + 1
        sen_id = item.get("sen_id")
        caption_id = str(sen_id) if sen_id is not None else f"{video_id}#{index}"
        if caption_id in seen:
            raise AnnotationError(f"{where} repeats caption id {caption_id!r}")
        seen.add(caption_id)
        rows.captions.append(_caption(caption_id, by_id[video_id], text))
    return rows


def _json_video(path: Path, i: int, item: Any, video_dir: Path | None) -> dict[str, Any]:
    where = f"{path}: videos[{i}]"
    if not isinstance(item, dict):
        raise AnnotationError(f"{where} is not an object")
    video_id = item.get("video_id")
    if not isinstance(video_id, str) or not video_id.strip():
        raise AnnotationError(f"{where} has no 'video_id' string")
    category = item.get("category")
    if category is not None and (not isinstance(category, int) or isinstance(category, bool)):
        raise AnnotationError(f"{where} ({video_id}) has category {category!r}, not an integer")
    split = item.get("split")
    if split is not None and not isinstance(split, str):
        raise AnnotationError(f"{where} ({video_id}) has split {split!r}, not a string")
    start, end = _number(item.get("start time")), _number(item.get("end time"))
    duration = end - start if start is not None and end is not None else None
    if duration is not None and duration < 0:
        raise AnnotationError(f"{where} ({video_id}) ends before it starts ({start} > {end})")
    split = SPLIT_NAMES.get(split, split)
    return _video(video_id, video_dir, duration=duration, category_id=category, split=split)


def _json_categories(path: Path, categories: Any) -> list[dict[str, Any]]:
    if categories is None:
        return [{"category_id": i, "name": name} for i, name in enumerate(MSRVTT_CATEGORIES)]
    if not isinstance(categories, list):
        raise AnnotationError(f"{path}: 'categories' must be a list of {{id, name}} objects")
    rows = []
    for i, item in enumerate(categories):
        ok = isinstance(item, dict) and isinstance(item.get("id"), int)
        if not ok or not isinstance(item.get("name"), str):
            raise AnnotationError(f"{path}: categories[{i}] needs an integer 'id' and a 'name'")
        rows.append({"category_id": item["id"], "name": item["name"]})
    return rows


def load_msrvtt_csv(csv_path: Path, video_dir: Path | None) -> DatasetRows:
    """Read CLIP4Clip's MSR-VTT 1k-A test CSV (key,vid_key,video_id,sentence): all videos
    are split "test", each row is one caption whose id is its `key`."""
    path = Path(csv_path)
    rows = DatasetRows(format="msrvtt-csv")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise AnnotationError(
                    f"{path}: missing column(s) {', '.join(missing)}; the 1k-A CSV has "
                    f"key,vid_key,video_id,sentence (found: {reader.fieldnames})"
                )
            by_id: dict[str, dict[str, Any]] = {}
            seen: set[str] = set()
            for line, item in enumerate(reader, start=2):
                key, video_id, text = (item.get(c) for c in CSV_COLUMNS)
                if not key or not video_id or text is None:
                    raise AnnotationError(f"{path}: line {line} lacks a key, video_id or sentence")
                if key in seen:
                    raise AnnotationError(f"{path}: line {line} repeats key {key!r}")
                seen.add(key)
                if video_id not in by_id:
                    by_id[video_id] = _video(video_id, video_dir, split="test")
                rows.captions.append(_caption(key, by_id[video_id], text))
    except OSError as err:
        raise AnnotationError(f"cannot read annotations {path}: {err.strerror or err}") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise AnnotationError(f"{path} is not a readable UTF-8 CSV: {err}") from None
    rows.videos = list(by_id.values())
    return rows


def resolve_format(path: Path, format: str = "auto") -> str:
    """The format name for `path`: `format` itself, or, when "auto", the registered format
    (`vtr.registry.FORMATS`) for its extension whose sniff accepts the file, else the one
    for that extension without a sniff."""
    from vtr.registry import FORMATS

    known = ", ".join(FORMATS.names())
    if format != "auto":
        if format not in FORMATS:
            raise AnnotationError(
                f"unknown annotation format {format!r} for {path}; known: {known}"
            )
        return format
    suffix = Path(path).suffix.lower()
    entries = [e for e in FORMATS.entries() if suffix in e.meta["extensions"]]
    sniffed = [e for e in entries if e.meta.get("sniff") and e.meta["sniff"](path)]
    fallback = [e for e in entries if not e.meta.get("sniff")]
    if not (sniffed or fallback):
        suffixes = sorted({s for e in FORMATS.entries() for s in e.meta["extensions"]})
        raise AnnotationError(
            f"cannot tell the format of {path} from its extension {suffix!r}; "
            f"use {', '.join(suffixes)}, or name a format: {known}"
        )
    return (sniffed or fallback)[0].name


def first_object_has(path: Path, keys: tuple[str, ...]) -> bool:
    """Whether the first JSON line of `path` holds every key (False if unreadable)."""
    try:
        with open(path, encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
        item = json.loads(first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(item, dict) and all(key in item for key in keys)


def formats_help() -> str:
    """`name (.ext, ...)` of every registered annotation format, for --help lines."""
    from vtr.registry import FORMATS

    return "; ".join(f"{e.name} ({', '.join(e.meta['extensions'])})" for e in FORMATS.entries())


def load_annotations(path: Path, video_dir: Path | None, format: str = "auto") -> DatasetRows:
    """Load an annotation file with the loader named by `format` (or its extension)."""
    path = Path(path)
    name = resolve_format(path, format)
    if not path.is_file():
        raise AnnotationError(f"annotations file not found: {path}")
    from vtr.registry import FORMATS

    return FORMATS.get(name)(path, video_dir)


def register_dataset(
    wh: Warehouse,
    name: str,
    annotations: Path,
    video_dir: Path | None,
    format: str = "auto",
    run_id: int | None = None,
    split_map: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write a dataset's categories, videos and captions into the catalog, in one
    transaction; re-running with the same files adds nothing. Listed videos whose file
    is missing are recorded in ingest_errors (stage 'load') under `run_id`, or under a
    new 'register' run when `run_id` is None. Returns a summary dict."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a dataset needs a non-empty name, got {name!r}")
    annotations = Path(annotations).expanduser().resolve()
    video_root = Path(video_dir).expanduser().resolve() if video_dir is not None else None
    rows = load_annotations(annotations, video_root, format)
    check_rows(annotations, rows, split_map)
    missing = [
        {"item_id": v["video_id"], "message": f"video file not found: {v['path']}"}
        for v in rows.videos
        if v["path"] is not None and not Path(v["path"]).is_file()
    ]
    before = _counts(wh, name)
    root = str(video_root) if video_root is not None else None
    config = {"dataset": name, "annotations": str(annotations), "video_root": root}
    tables = {
        "dataset_categories_in": (rows.categories, CATEGORY_SCHEMA, "datasets/write_categories"),
        "dataset_videos_in": (rows.videos, VIDEO_SCHEMA, "datasets/write_videos"),
        "dataset_captions_in": (rows.captions, CAPTION_SCHEMA, "datasets/write_captions"),
    }
    stat_video_files(rows.videos)
    arrow = {
        view: pa.Table.from_pylist(items, schema=schema)
        for view, (items, schema, _) in tables.items()
    }
    own_run = run_lifecycle(wh, "register", config) if run_id is None else nullcontext()
    with own_run as run, wh.transaction():  # the run's row outlives a rolled-back write
        run_id = run.id if run is not None else run_id
        changes = drop_changed_items(
            wh, name, arrow["dataset_captions_in"], arrow["dataset_videos_in"]
        )
        wh.sql(
            "datasets/upsert",
            {
                "dataset": name,
                "format": rows.format,
                "annotations": str(annotations),
                "video_root": root,
            },
        )
        for table, (_, _, sql_name) in tables.items():
            _bulk(wh, table, arrow[table], sql_name, name)
        if rows.moments is not None:
            from vtr.ingest.moments import write_moments

            write_moments(wh, name, rows.moments)
        if rows.steps is not None:
            from vtr.ingest.steps import write_steps

            write_steps(wh, name, rows.steps)
        missing_table = pa.Table.from_pylist(missing, schema=MISSING_SCHEMA)
        _bulk(wh, "dataset_missing_in", missing_table, "datasets/record_missing", name, run_id)
        after = _counts(wh, name)
        summary = {
            "dataset": name,
            "format": rows.format,
            "videos": len(rows.videos),
            "captions": len(rows.captions),
            "categories": len(rows.categories),
            "missing_videos": len(missing),
            "new_videos": after["n_videos"] - before["n_videos"],
            "new_captions": after["n_captions"] - before["n_captions"],
            **changes,
            "run_id": run_id,
        }
        if run is not None:
            run.status, run.summary = ("failed_items" if missing else "ok"), summary
    return summary


def _bulk(
    wh: Warehouse,
    view: str,
    table: pa.Table,
    sql_name: str,
    dataset: str,
    run_id: int | None = None,
) -> None:
    """Run a bulk-insert SQL file that reads the Arrow `table` registered as `view`."""
    if table.num_rows == 0:
        return
    params: dict[str, Any] = {"dataset": dataset}
    if run_id is not None:
        params["run_id"] = run_id
    with registered(wh.con, view, table):
        wh.sql(sql_name, params)


def _counts(wh: Warehouse, name: str) -> dict[str, int]:
    rows = wh.rows("datasets/get", {"dataset": name})
    return rows[0] if rows else {"n_videos": 0, "n_captions": 0}


def list_datasets(wh: Warehouse) -> list[dict[str, Any]]:
    """Every registered dataset with its category, video and caption counts."""
    return wh.rows("datasets/list")


def get_dataset(wh: Warehouse, name: str) -> dict[str, Any]:
    """One dataset's catalog row (with counts); UnknownDataset lists the known names."""
    rows = wh.rows("datasets/get", {"dataset": name})
    if rows:
        return rows[0]
    known = [row["dataset"] for row in list_datasets(wh)]
    listing = ", ".join(repr(k) for k in known) if known else "none yet (see `vtr add-dataset`)"
    raise UnknownDataset(f"unknown dataset {name!r}; known datasets: {listing}")
