"""The batched ingest pipeline: decode once, embed in batches, write each variant to LanceDB.

The catalog is open only while a step needs it: reading the items at the start, each
commit (with the batches' video metadata), recording a failed item, and the end; models load
and batches decode and embed with it released, so other commands can open it meanwhile.

Completion is the catalog's done marks (see `vtr.ingest.commit`): each batch is written
as uncommitted Lance fragments per variant, and every `commit_every` items one commit
appends them to their tables and then marks those items done in one catalog
transaction. A re-run first removes rows without a mark, then processes the rest, so
no row is ever duplicated or lost.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch

from vtr.errors import IngestInterrupted, TapError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.checks import check_ingest_options
from vtr.ingest.fanout import (
    TapPlan,
    text_variants,
    text_vectors,
    video_steps,
    video_variants,
    video_vectors,
)
from vtr.ingest.targets import Targets, VariantResult
from vtr.ingest.video import FrameBatch, FrameDataset, VideoMeta, collate_frames
from vtr.progress import progress_bar
from vtr.warehouse.runs import Run, run_lifecycle

# (wh, summary, encoder, variants, batch_size, workers, commit_every, progress) -> results
VideoStage = Callable[..., list[VariantResult]]


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
            "failed": [
                {
                    "item_id": error["item_id"],
                    "stage": error["stage"],
                    "variant_id": error.get("variant_id"),
                    "reason": error["message"],
                }
                for error in self.errors
            ],
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
    """Buffers rows and writes them to one variant table in large atomic appends.

    For tables no ingest reconciles (clip-level video variants); completion there is
    what LanceDB holds.
    """

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
    temporal: str | list[str] = "mean",
    layers: str | None = None,
    poolings: str | list[str] | None = None,
    batch_size: int = 16,
    text_batch_size: int = 256,
    workers: int | None = None,
    device: str | None = None,
    seed: int = 0,
    commit_every: int = 256,
    show_progress: bool = True,
    video_stage: VideoStage | None = None,
) -> IngestSummary:
    """Embed every video and caption of `dataset` with each backbone; skip what is done.

    Each backbone runs once per batch with every layer of `layers` ("4,8,-1" or "all")
    tapped; every token pooling of every layer (and every temporal pooling for video)
    is its own variant. Without `layers`, the model's own output (final/embed).
    Every `commit_every` items (videos or captions) the written rows are committed and
    marked done; a killed ingest redoes at most the items after the last commit.
    `video_stage` replaces the in-process video loop (e.g. `vtr.ingest.ray_engine`); the
    backbone is then loaded here on the CPU only to list its variants.
    """
    from vtr.ingest.datasets import get_dataset

    get_dataset(wh, dataset)
    check_ingest_options(video_backbones, text_backbones, frames, batch_size, text_batch_size)
    plan = TapPlan.from_options(layers, poolings, temporal)
    torch_device = pick_device(device)
    config = {
        "dataset": dataset,
        "video_backbones": list(video_backbones),
        "text_backbones": list(text_backbones),
        "frames": frames,
        "temporal": list(plan.temporal),
        "layers": layers,
        "poolings": list(plan.poolings),
        "batch_size": batch_size,
        "device": str(torch_device),
        "seed": seed,
        "commit_every": commit_every,
        "video_engine": getattr(video_stage, "name", "local"),
    }
    with run_lifecycle(wh, "ingest", config, on_interrupt=partial(interrupted, wh)) as run:
        summary = IngestSummary(run.id, dataset)
        try:
            with progress_bar(show_progress) as progress, torch.inference_mode():
                stage = video_stage or _ingest_videos
                video_device = torch.device("cpu") if video_stage else torch_device
                for spec in video_backbones:
                    wh.release()  # models load and items embed with no catalog open
                    encoder = load_video_encoder(spec, video_device, seed)
                    variants = video_variants(spec, encoder, plan, frames)
                    results = stage(
                        wh, summary, encoder, variants, batch_size, workers, commit_every, progress
                    )
                    summary.variants.extend(results)
                for spec in text_backbones:
                    wh.release()
                    encoder = load_text_encoder(spec, torch_device, seed)
                    variants = text_variants(spec, encoder, plan)
                    results = _ingest_texts(
                        wh, summary, encoder, variants, text_batch_size, commit_every, progress
                    )
                    summary.variants.extend(results)
        finally:  # the run's row says which items failed, however it ends
            summary.errors = wh.rows("ingest/run_errors", {"run_id": run.id})
            run.summary = summary.as_dict()
        run.status = "failed_items" if summary.failed else "ok"
    return summary


def interrupted(wh, run: Run) -> IngestInterrupted:
    """What an interrupted ingest kept (added to its summary), as the error to raise."""
    committed = {
        row["modality"]: row["items"] for row in wh.rows("ingest/run_committed", {"run_id": run.id})
    }
    run.summary = {**run.summary, "committed_items": committed}
    counts = " and ".join(f"{n} {modality}" for modality, n in committed.items())
    counts = f"{counts} items" if counts else "no items"
    return IngestInterrupted(
        f"interrupted: run {run.id} committed {counts}; everything committed stays, and "
        "running the same command again resumes after it"
    )


@contextmanager
def sigint_ignored_by_workers() -> Iterator[None]:
    """Processes started inside ignore SIGINT for life (an ignored signal stays ignored
    across exec): a Ctrl-C then interrupts only this process, which shuts its decoding
    workers down, and no worker prints a traceback of its own."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def video_targets(wh, summary, encoder, variants: list, commit_every: int) -> Targets:
    """The backbone's video variants registered and reconciled, with their committer."""
    extra = {
        "weights": encoder.weights,
        "image_size": encoder.norm.size,
        "mean": encoder.norm.mean,
        "std": encoder.norm.std,
        "frame_sampling": "uniform, centre of each of `frames` equal segments",
        "frame_embedding": "L2-normalised per frame before temporal pooling",
        "token_pooling": "per frame, over every token of the layer (class token first)",
    }
    if (per_step := getattr(encoder, "frames_per_step", 1)) > 1:
        extra["frames_per_step"] = per_step
        extra["time_steps"] = video_steps(encoder, variants[0].frames)
        extra["token_pooling"] = f"per temporal patch of {per_step} frames, over its tokens"
    return Targets(wh, summary, encoder, variants, extra, commit_every)


def video_items(wh, dataset: str) -> list[tuple[str, str | None]]:
    """(video_id, path) of every video of the dataset."""
    return [(r["video_id"], r["path"]) for r in wh.rows("ingest/videos", {"dataset": dataset})]


def _ingest_videos(wh, summary, encoder, variants, batch_size, workers, commit_every, progress):
    targets = video_targets(wh, summary, encoder, variants, commit_every)
    todo = targets.todo(video_items(wh, summary.dataset), key=lambda item: item[0])
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(todo) > 2 * batch_size else 0
    loader = torch.utils.data.DataLoader(
        FrameDataset(todo, variants[0].frames, encoder.norm),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=collate_frames,
        multiprocessing_context="spawn" if workers else None,
        pin_memory=encoder_device(encoder).type == "cuda",
    )
    task = progress.add_task(f"video {variants[0].backbone}", total=len(todo))
    with sigint_ignored_by_workers():
        batches = iter(loader)  # starts the workers
    for batch in batches:
        for video_id, message in batch.errors:
            targets.fail([video_id], "decode", message)
        if batch.frames is not None:
            _embed_batch(wh, summary, encoder, targets, batch)
        progress.advance(task, len(batch.video_ids) + len(batch.errors))
    return targets.finish()


def _embed_batch(wh, summary, encoder, targets, batch: FrameBatch) -> None:
    n_videos, n_frames = batch.frames.shape[:2]
    try:
        out = forward_video(encoder, batch.frames, targets.layers)
    except TapError:
        raise  # a request the backbone cannot serve fails the same way for every item
    except Exception as err:  # noqa: BLE001 - a failing batch is recorded, ingest goes on
        targets.fail(batch.video_ids, "embed", f"{type(err).__name__}: {err}")
        return
    meta = video_meta_rows(summary.dataset, batch.video_ids, batch.metas)
    vectors = video_vectors(out, n_videos, n_frames, targets.variants)
    # the metadata is written in the next commit's transaction, with the done marks
    targets.add(batch.video_ids, vectors, writes=[("ingest/update_video_meta", meta)])


def forward_video(encoder, frames: torch.Tensor, layers: list[int]):
    """One tapped forward pass over a (B, k, 3, S, S) frame batch (fp16 autocast on CUDA)."""
    with _autocast(encoder_device(encoder)):
        return encoder.forward_video(frames, layers)


def record_video_meta(wh, dataset: str, video_ids: list[str], metas: list[VideoMeta]) -> None:
    with wh.session():  # a released catalog is opened for this write only
        wh.sql_many("ingest/update_video_meta", video_meta_rows(dataset, video_ids, metas))


def video_meta_rows(dataset: str, video_ids: list[str], metas: list[VideoMeta]) -> list[dict]:
    """Parameters of `ingest/update_video_meta` for a batch's videos."""
    return [
        {
            "dataset": dataset,
            "video_id": video_id,
            "fps": meta.fps,
            "n_frames": meta.n_frames,
            "width": meta.width,
            "height": meta.height,
            "duration": meta.duration,
        }
        for video_id, meta in zip(video_ids, metas, strict=False)
    ]


def _ingest_texts(wh, summary, encoder, variants, batch_size, commit_every, progress):
    extra = {"weights": encoder.weights, "token_pooling": "mask-aware, padding excluded"}
    targets = Targets(wh, summary, encoder, variants, extra, commit_every)
    rows = wh.rows("ingest/captions", {"dataset": summary.dataset})
    todo = targets.todo(rows, key=lambda row: row["caption_id"])
    task = progress.add_task(f"text  {variants[0].backbone}", total=len(todo))
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        ids = [row["caption_id"] for row in chunk]
        try:
            out = encoder.forward_texts([row["text"] for row in chunk], targets.layers)
        except TapError:
            raise
        except Exception as err:  # noqa: BLE001 - a failing batch is recorded, ingest goes on
            targets.fail(ids, "embed", f"{type(err).__name__}: {err}")
        else:
            targets.add(ids, text_vectors(out, targets.variants))
        progress.advance(task, len(chunk))
    return targets.finish()


def encoder_device(encoder) -> torch.device:
    device = getattr(encoder, "device", None)
    if device is not None:
        return torch.device(device)
    return next(encoder.model.parameters()).device
