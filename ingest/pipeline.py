"""The batched ingest pipeline: decode once, embed in batches, write each variant to LanceDB.

Completion is what LanceDB holds: an item whose row is in the variant's table is
done (each flush is one atomic Lance commit), so a re-run only processes the rest
and never duplicates a row.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.pooling import TEMPORAL_POOLINGS, pool_frames
from vtr.ingest.video import FrameBatch, FrameDataset, collate_frames
from vtr.progress import progress_bar
from vtr.warehouse.runs import finish_run, record_error, start_run
from vtr.warehouse.variants import Variant, register_variant


@dataclass
class VariantResult:
    variant_id: str
    written: int = 0
    already_present: int = 0
    failed: int = 0


@dataclass
class IngestSummary:
    run_id: int
    dataset: str
    variants: list[VariantResult] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "dataset": self.dataset,
            "variants": [vars(result) for result in self.variants],
            "failed_items": self.failed,
        }


def pick_device(device: str | None = None) -> torch.device:
    """The requested device, else CUDA when present, else CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _autocast(device: torch.device):
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return nullcontext()


class _Writer:
    """Buffers rows and writes them to one variant table in large atomic appends."""

    def __init__(self, wh, dataset: str, table: str, flush_rows: int) -> None:
        self.wh, self.dataset, self.table, self.flush_rows = wh, dataset, table, flush_rows
        self.ids: list[str] = []
        self.chunks: list[np.ndarray] = []
        self.written = 0

    def add(self, ids: list[str], vectors: torch.Tensor) -> None:
        self.ids.extend(ids)
        self.chunks.append(vectors.float().cpu().numpy())
        if len(self.ids) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if not self.ids:
            return
        self.wh.vectors.append(self.table, self.dataset, self.ids, np.concatenate(self.chunks))
        self.written += len(self.ids)
        self.ids, self.chunks = [], []


def ingest(
    wh,
    dataset: str,
    video_backbones: list[str] | tuple[str, ...] = (),
    text_backbones: list[str] | tuple[str, ...] = (),
    frames: int = 8,
    temporal: str = "mean",
    batch_size: int = 16,
    text_batch_size: int = 256,
    workers: int | None = None,
    device: str | None = None,
    seed: int = 0,
    flush_rows: int = 1024,
    show_progress: bool = True,
) -> IngestSummary:
    """Embed every video and caption of `dataset` with each backbone; skip what is done."""
    from vtr.ingest.datasets import get_dataset

    get_dataset(wh, dataset)
    if temporal not in TEMPORAL_POOLINGS:
        raise ValueError(f"unknown temporal pooling {temporal!r}; choose from {TEMPORAL_POOLINGS}")
    torch_device = pick_device(device)
    config = {
        "dataset": dataset,
        "video_backbones": list(video_backbones),
        "text_backbones": list(text_backbones),
        "frames": frames,
        "temporal": temporal,
        "batch_size": batch_size,
        "device": str(torch_device),
        "seed": seed,
    }
    run_id = start_run(wh, "ingest", config)
    summary = IngestSummary(run_id, dataset)
    with progress_bar(show_progress) as progress, torch.inference_mode():
        for spec in video_backbones:
            encoder = load_video_encoder(spec, torch_device, seed)
            variant = Variant("video", spec, "final", "embed", temporal=temporal, frames=frames)
            result = _ingest_videos(
                wh, summary, encoder, variant, batch_size, workers, flush_rows, progress
            )
            summary.variants.append(result)
        for spec in text_backbones:
            encoder = load_text_encoder(spec, torch_device, seed)
            variant = Variant("text", spec, "final", "embed")
            result = _ingest_texts(
                wh, summary, encoder, variant, text_batch_size, flush_rows, progress
            )
            summary.variants.append(result)
    summary.errors = wh.rows("ingest/run_errors", {"run_id": run_id})
    finish_run(wh, run_id, "failed_items" if summary.failed else "ok", summary.as_dict())
    return summary


def _ingest_videos(wh, summary, encoder, variant, batch_size, workers, flush_rows, progress):
    dataset = summary.dataset
    register_variant(
        wh,
        variant,
        encoder.dim,
        {
            "weights": encoder.weights,
            "image_size": encoder.norm.size,
            "mean": encoder.norm.mean,
            "std": encoder.norm.std,
            "frame_sampling": "uniform, centre of each of `frames` equal segments",
            "frame_embedding": "L2-normalised per frame before temporal pooling",
            **({"seq_len": variant.frames} if variant.temporal == "seq" else {}),
        },
    )
    done = wh.vectors.existing_ids(variant.lance_table, dataset)
    items = [(r["video_id"], r["path"]) for r in wh.rows("ingest/videos", {"dataset": dataset})]
    todo = [item for item in items if item[0] not in done]
    result = VariantResult(variant.id, already_present=len(items) - len(todo))
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(todo) > 2 * batch_size else 0
    loader = torch.utils.data.DataLoader(
        FrameDataset(todo, variant.frames, encoder.norm),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=collate_frames,
        multiprocessing_context="spawn" if workers else None,
        pin_memory=encoder_device(encoder).type == "cuda",
    )
    writer = _Writer(wh, dataset, variant.lance_table, flush_rows)
    task = progress.add_task(f"video {variant.backbone}", total=len(todo))
    for batch in loader:
        for video_id, message in batch.errors:
            record_error(wh, summary.run_id, dataset, video_id, "decode", message, variant.id)
            result.failed += 1
        if batch.frames is not None:
            _embed_batch(wh, summary, encoder, variant, batch, writer, result)
        progress.advance(task, len(batch.video_ids) + len(batch.errors))
    writer.flush()
    result.written = writer.written
    return result


def _embed_batch(wh, summary, encoder, variant, batch: FrameBatch, writer, result) -> None:
    n_videos, n_frames = batch.frames.shape[:2]
    try:
        with _autocast(encoder_device(encoder)):
            per_frame = encoder.encode_frames(batch.frames.flatten(0, 1))
    except Exception as err:  # noqa: BLE001 - a failing batch is recorded, ingest goes on
        _record_batch_error(wh, summary, variant, batch.video_ids, err, result)
        return
    per_frame = F.normalize(per_frame.float(), dim=-1).view(n_videos, n_frames, -1)
    wh.sql_many(
        "ingest/update_video_meta",
        [
            {
                "dataset": summary.dataset,
                "video_id": video_id,
                "fps": meta.fps,
                "n_frames": meta.n_frames,
                "width": meta.width,
                "height": meta.height,
                "duration": meta.duration,
            }
            for video_id, meta in zip(batch.video_ids, batch.metas, strict=False)
        ],
    )
    writer.add(batch.video_ids, pool_frames(per_frame, variant.temporal))


def _ingest_texts(wh, summary, encoder, variant, batch_size, flush_rows, progress):
    dataset = summary.dataset
    register_variant(wh, variant, encoder.dim, {"weights": encoder.weights})
    done = wh.vectors.existing_ids(variant.lance_table, dataset)
    rows = wh.rows("ingest/captions", {"dataset": dataset})
    todo = [row for row in rows if row["caption_id"] not in done]
    result = VariantResult(variant.id, already_present=len(rows) - len(todo))
    writer = _Writer(wh, dataset, variant.lance_table, flush_rows)
    task = progress.add_task(f"text  {variant.backbone}", total=len(todo))
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        ids = [row["caption_id"] for row in chunk]
        try:
            vectors = encoder.encode_texts([row["text"] for row in chunk])
        except Exception as err:  # noqa: BLE001 - a failing batch is recorded, ingest goes on
            _record_batch_error(wh, summary, variant, ids, err, result)
        else:
            writer.add(ids, vectors)
        progress.advance(task, len(chunk))
    writer.flush()
    result.written = writer.written
    return result


def _record_batch_error(wh, summary, variant, ids, err, result) -> None:
    message = f"{type(err).__name__}: {err}"
    for item_id in ids:
        record_error(wh, summary.run_id, summary.dataset, item_id, "embed", message, variant.id)
    result.failed += len(ids)


def encoder_device(encoder) -> torch.device:
    device = getattr(encoder, "device", None)
    if device is not None:
        return torch.device(device)
    return next(encoder.model.parameters()).device
