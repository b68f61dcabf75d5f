"""`vtr export`: a variant's vectors out as per-item .npy/.npz files or one parquet file.

Files are written into a temporary sibling and moved into place at the end, so an
export that fails leaves nothing behind. What goes out imports back bit-identical
(`vtr import` with the same format): float32 vectors, `seq` variants as (T, D) arrays
(parquet: flattened rows and the sequence length in the schema metadata). `clips`
writes a clip-level variant as QVHighlights-style `<video_id>.npz` files, array `--key`
(default `features`) of shape (n_clips, D) in clip order, which `vtr import --clips`
reads back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vtr.errors import ImportInputError
from vtr.ingest.importers.ids import video_n_names
from vtr.ingest.importers.readers import SEQ_LEN_KEY
from vtr.warehouse.variants import get_variant, sequence_length
from vtr.warehouse.vectors import vectors_to_arrow

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

EXPORT_FORMATS = ("npy", "npz", "parquet", "clips")


def variant_datasets(wh: Warehouse, table: str) -> list[str]:
    if not wh.vectors.has_table(table):
        return []
    data = wh.vectors.db.open_table(table).to_lance().to_table(columns=["dataset"])
    return sorted(pc.unique(data["dataset"]).to_pylist())


def export_variant(
    wh: Warehouse,
    variant_id: str,
    out: Path,
    format: str = "npy",
    dataset: str | None = None,
    naming: str = "caption-id",
    key: str = "features",
) -> dict[str, Any]:
    """Write the variant's vectors of `dataset` to `out`; a summary dict."""
    if format not in EXPORT_FORMATS:
        raise ImportInputError(f"unknown export format {format!r}; choose from {EXPORT_FORMATS}")
    if naming not in ("caption-id", "video-n"):
        raise ImportInputError(f"--naming must be caption-id or video-n, not {naming!r}")
    row = get_variant(wh, variant_id)
    datasets = variant_datasets(wh, row["lance_table"])
    if dataset is None:
        if len(datasets) != 1:
            raise ImportInputError(
                f"variant {variant_id} holds datasets {datasets or 'none'}; give --dataset"
            )
        dataset = datasets[0]
    elif dataset not in datasets:
        raise ImportInputError(f"variant {variant_id} holds no rows of dataset {dataset!r}")
    ids, matrix = wh.vectors.read(row["lance_table"], dataset)
    seq = sequence_length(row)
    out = Path(out).expanduser().resolve()
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise ImportInputError(f"{out} exists and is not empty; export into a new path")
    if format == "parquet":
        _write_parquet(out, ids, matrix, seq)
    elif format == "clips":
        names, matrices = _clip_files(wh, dataset, variant_id, ids, matrix)
        _write_items(out, names, matrices, (-1, matrix.shape[1]), "npz", key)
    else:
        names = _names(wh, dataset, row["modality"], ids, naming)
        shape = (seq, -1) if seq is not None else (-1,)
        _write_items(out, names, matrix, shape, format, key)
    return {"variant_id": variant_id, "dataset": dataset, "format": format,
            "items": len(ids), "out": str(out)}  # fmt: skip


def _clip_files(
    wh: Warehouse, dataset, variant_id, ids, matrix
) -> tuple[list[str], list[np.ndarray]]:
    """Per video, its clips' rows in clip order (from the clip table)."""
    position = {item: i for i, item in enumerate(ids)}
    rows = wh.rows("moments/clip_items", {"dataset": dataset})
    by_video: dict[str, list[int]] = {}
    for row in rows:
        if row["item_id"] in position:
            by_video.setdefault(row["video_id"], []).append(position[row["item_id"]])
    if not by_video:
        raise ImportInputError(
            f"variant {variant_id} has no rows of the clip table of {dataset!r}: `--format "
            "clips` exports clip-level variants (`vtr ingest --clips`, `vtr import --clips`)"
        )
    videos = sorted(by_video)
    return videos, [matrix[by_video[v]] for v in videos]


def _names(wh: Warehouse, dataset: str, modality: str, ids: list[str], naming: str) -> list[str]:
    if modality == "text" and naming == "video-n":
        mapping = video_n_names(wh, dataset)
        names = [mapping.get(i) for i in ids]
        missing = [i for i, n in zip(ids, names, strict=True) if n is None]
        if missing:
            raise ImportInputError(
                f"{len(missing)} caption(s) are not in the annotation file, e.g. {missing[:3]}"
            )
    else:
        names = list(ids)
    bad = [n for n in names if not n or "/" in n or "\\" in n or n.startswith(".")]
    if bad:
        raise ImportInputError(f"ids that cannot be file names, e.g. {bad[:3]}; export parquet")
    return names


def _staging(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))


def _write_items(out, names, matrix, shape, format: str, key: str) -> None:
    stage = _staging(out)
    try:
        for name, vector in zip(names, matrix, strict=True):
            array = np.ascontiguousarray(vector.reshape(shape), dtype=np.float32)
            if format == "npy":
                np.save(stage / f"{name}.npy", array)
            else:
                np.savez(stage / f"{name}.npz", **{key: array})
        if out.exists():
            out.rmdir()
        os.replace(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _write_parquet(out: Path, ids, matrix: np.ndarray, seq: int | None) -> None:
    import pyarrow.parquet as pq

    meta = {SEQ_LEN_KEY: str(seq).encode()} if seq is not None else None
    table = pa.table({"id": pa.array(ids, pa.string()), "vector": vectors_to_arrow(matrix)})
    table = table.replace_schema_metadata(meta)
    stage = _staging(out)
    try:
        pq.write_table(table, stage / "part.parquet")
        if out.exists():
            out.rmdir()
        os.replace(stage / "part.parquet", out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
