"""Clip-level features from files: one row per clip of each video, lined up with the
clip table (`video_clips`) that moment retrieval and step grounding read.

Layouts:
- `video-files` (QVHighlights, as Moment-DETR, QD-DETR, TR-DETR and Lighthouse read
  it): one `<video_id>.npz` (array `--key`, default `features`), `.npy` or `.pt` per
  video of shape (n_clips, D), one row per `--clips` seconds. Several source folders
  are several feature sets (e.g. SlowFast + CLIP): per video each is L2-normalised
  and truncated to the shortest, then they are concatenated per clip, as those
  codebases do (`--no-normalize` keeps them raw).
- `chunk-folders` (seed 003): one folder per video, `<video_id>/chunk_<i>.pt` (or
  `.npy`), one (D,) vector per chunk i = 0, 1, ... without gaps.

Clip i of a video spans [i * clip_len, (i + 1) * clip_len) seconds. A video whose clips
were already laid out (by `vtr ingest --clips` or an earlier import) must have the same
number of clips of the same length.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vtr.errors import ImportInputError
from vtr.ingest.clips import CLIP_SCHEMA, clip_item_id
from vtr.ingest.commit import Committer, write_fragments
from vtr.ingest.importers.readers import PER_ITEM_LOADERS as LOADERS
from vtr.ingest.importers.readers import ReadOptions
from vtr.warehouse.queries import registered
from vtr.warehouse.runs import run_lifecycle
from vtr.warehouse.variants import Variant, register_variant

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

LAYOUTS = ("auto", "video-files", "chunk-folders")
_CHUNK = re.compile(r"^chunk_(\d+)$")
SHOWN = 5


@dataclass
class ClipImportResult:
    variant_id: str
    run_id: int
    videos: int
    written: int = 0
    already_present: int = 0
    skipped_extra: int = 0
    truncated: dict[str, int] = field(default_factory=dict)  # video -> clips dropped

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def clip_import_variant(backbone: str, clip_len: float) -> Variant:
    return Variant(
        "video", f"import:{backbone}", "final", "embed", temporal=f"clip{clip_len:g}s-import",
        frames=1,
    )  # fmt: skip


def import_clip_features(
    wh: Warehouse,
    dataset: str,
    sources: list[Path],
    clip_len: float,
    backbone: str | None = None,
    layout: str = "auto",
    key: str | None = None,
    allow_pickle: bool = False,
    allow_extra: bool = False,
    normalize: bool = True,
) -> ClipImportResult:
    """Import clip features of `dataset`'s videos (see the module doc); a rerun adds only
    the videos the variant lacks."""
    if not clip_len > 0:
        raise ImportInputError(f"--clips must be a positive number of seconds, not {clip_len}")
    sources = [Path(s) for s in sources]
    layout = _layout(sources, layout)
    options = ReadOptions(key=key or ("features" if layout == "video-files" else None),
                          allow_pickle=allow_pickle)  # fmt: skip
    per_video = _read_chunks(sources, options) if layout == "chunk-folders" else None
    features, truncated = (
        (per_video, {}) if per_video is not None else _read_video_files(sources, options, normalize)
    )
    known = {row["video_id"] for row in wh.rows("ingest/videos", {"dataset": dataset})}
    extra = sorted(set(features) - known)
    if extra and not allow_extra:
        raise ImportInputError(
            f"{len(extra)} video id(s) are not videos of dataset {dataset!r}, e.g. "
            f"{extra[:SHOWN]}; pass --allow-extra to skip them; nothing was imported"
        )
    features = {v: m for v, m in features.items() if v in known}
    if not features:
        raise ImportInputError(f"no file names a video of dataset {dataset!r}; nothing to import")
    dims = {m.shape[1] for m in features.values()}
    if len(dims) != 1:
        raise ImportInputError(f"clip features of different dims {sorted(dims)}; one dim needed")
    _check_grid(wh, dataset, features, clip_len)
    name = backbone or sources[0].name
    variant = clip_import_variant(name, clip_len)
    done = wh.vectors.existing_ids(variant.lance_table, dataset)
    todo = [v for v in sorted(features) if clip_item_id(v, 0) not in done]
    config = {"dataset": dataset, "sources": [str(s.resolve()) for s in sources],
              "layout": layout, "clip_len": clip_len, "normalize": normalize}  # fmt: skip
    with run_lifecycle(wh, "import-clips", config) as run:
        result = ClipImportResult(variant.id, run.id, len(features), truncated=truncated)
        result.already_present, result.skipped_extra = len(features) - len(todo), len(extra)
        run.summary = result.as_dict()
        if todo:
            _write(wh, dataset, variant, features, todo, clip_len, run.id, config, result)
        run.summary = result.as_dict()
    return result


def _write(
    wh: Warehouse, dataset, variant, features, todo, clip_len, run_id, config, result
) -> None:
    ids = [clip_item_id(v, c) for v in todo for c in range(len(features[v]))]
    matrix = np.concatenate([features[v] for v in todo]).astype(np.float32)
    extra = {"imported": True, "clip_len": clip_len, **config}
    register_variant(wh, variant, int(matrix.shape[1]), extra)
    part = write_fragments(wh.lance_path, variant.lance_table, dataset, ids, matrix, variant.id)
    clips = pa.Table.from_pylist(
        [
            {
                "video_id": v,
                "clip_idx": c,
                "item_id": clip_item_id(v, c),
                "start_s": c * clip_len,
                "end_s": (c + 1) * clip_len,
            }
            for v in todo
            for c in range(len(features[v]))
        ],  # fmt: skip
        schema=CLIP_SCHEMA,
    )
    with wh.transaction(), registered(wh.con, "video_clips_in", clips):
        wh.sql("moments/write_clips", {"dataset": dataset})
    committer = Committer(wh, dataset, run_id, every=sys.maxsize)
    committer.add([part])
    committer.commit()
    result.written = committer.committed[variant.id]


def _layout(sources: list[Path], layout: str) -> str:
    if layout not in LAYOUTS:
        raise ImportInputError(f"unknown clip layout {layout!r}; choose from {LAYOUTS}")
    for source in sources:
        if not source.is_dir():
            raise ImportInputError(f"{source}: not a folder of clip feature files")
    if layout != "auto":
        return layout
    has_folders = any(p.is_dir() for p in sources[0].iterdir())
    return "chunk-folders" if has_folders else "video-files"


def _load(path: Path, options: ReadOptions) -> np.ndarray:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise ImportInputError(f"{path}: not a .npy, .npz or .pt file")
    array = loader(path, options)[0]  # (D,) -> (1, D); (n, D) stays
    array = np.asarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise ImportInputError(f"{path}: holds NaN or Inf values")
    return array


def _files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in LOADERS:
            if path.stem in found:
                raise ImportInputError(f"{folder}: {path.stem!r} has two files ({path.name})")
            found[path.stem] = path
    if not found:
        raise ImportInputError(f"{folder}: no .npy, .npz or .pt files")
    return found


def _read_video_files(
    sources: list[Path], options: ReadOptions, normalize: bool
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    sets = [_files(folder) for folder in sources]
    videos = set(sets[0])
    for folder, files in zip(sources[1:], sets[1:], strict=True):
        if set(files) != videos:
            odd = sorted(set(files) ^ videos)
            raise ImportInputError(
                f"{folder}: its videos differ from {sources[0]}'s, e.g. {odd[:SHOWN]}; every "
                "feature set needs the same videos"
            )
    features, truncated = {}, {}
    for video in sorted(videos):
        parts = []
        for files in sets:
            array = _load(files[video], options)
            if array.ndim != 2:
                raise ImportInputError(f"{files[video]}: shape {array.shape}, not (n_clips, D)")
            if normalize:
                norms = np.linalg.norm(array, axis=1, keepdims=True)
                array = array / np.maximum(norms, 1e-12)
            parts.append(array)
        shortest = min(len(p) for p in parts)
        if shortest == 0:
            raise ImportInputError(f"{sets[0][video]}: no clips")
        if any(len(p) != shortest for p in parts):
            truncated[video] = max(len(p) for p in parts) - shortest
        features[video] = np.concatenate([p[:shortest] for p in parts], axis=1)
    return features, truncated


def _read_chunks(sources: list[Path], options: ReadOptions) -> dict[str, np.ndarray]:
    features: dict[str, np.ndarray] = {}
    for source in sources:
        for folder in sorted(p for p in source.iterdir() if p.is_dir()):
            if folder.name in features:
                raise ImportInputError(f"{folder}: video {folder.name!r} appears twice")
            chunks = {}
            for stem, path in _files(folder).items():
                match = _CHUNK.match(stem)
                if not match:
                    raise ImportInputError(f"{path}: not named chunk_<i>")
                vector = _load(path, options)
                if vector.ndim == 2 and vector.shape[0] == 1:
                    vector = vector[0]  # a (1, D) chunk
                if vector.ndim != 1:
                    raise ImportInputError(f"{path}: shape {vector.shape}; one (D,) per chunk")
                chunks[int(match.group(1))] = vector
            order = sorted(chunks)
            if order != list(range(len(order))):
                gaps = sorted(set(range(order[-1] + 1)) - set(order))
                raise ImportInputError(f"{folder}: chunks {gaps[:SHOWN]} are missing")
            features[folder.name] = np.stack([chunks[i] for i in order])
    if not features:
        raise ImportInputError(f"no <video_id>/chunk_<i> folders in {', '.join(map(str, sources))}")
    return features


def _check_grid(
    wh: Warehouse, dataset: str, features: dict[str, np.ndarray], clip_len: float
) -> None:
    ids = pa.table({"video_id": list(features)})
    with registered(wh.con, "import_videos", ids):
        rows = wh.rows("moments/clip_grid", {"dataset": dataset})
    for row in rows:
        video, n = row["video_id"], len(features[row["video_id"]])
        if row["n_clips"] != n or abs(row["clip_len"] - clip_len) > 1e-6:
            raise ImportInputError(
                f"video {video!r} already has {row['n_clips']} clips of {row['clip_len']:g} s "
                f"(from an earlier clip ingest or import) but the files give {n} of "
                f"{clip_len:g} s; use the same --clips and clip count, or another dataset"
            )
