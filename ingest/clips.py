"""Clip-level ingest for moment retrieval: one embedding row per (video, clip).

A video of duration D is cut into floor(D / clip_len) clips (the QVHighlights
convention); `frames_per_clip` frames are sampled at the centres of equal parts of
each clip, embedded, L2-normalised and mean-pooled into the clip's row. Rows are keyed
`<video_id>@<clip_idx:04d>` in the variant's Lance table, and `video_clips` maps each
key to (video_id, clip_idx, start_s, end_s) so SQL orders clips in time. The variant's
temporal field reads `clip<len>s-mean`, e.g. video/SPEC/final/embed/clip2s-mean/2f.

Text backbones embed the dataset's captions (the moment queries) and, when the
dataset has per-clip captions (`clip_captions`), those too, keyed `cap:<clip key>`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F

from vtr.errors import AnnotationError, VideoDecodeError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.commit import Committer, reconcile, write_fragments
from vtr.ingest.datasets import _bulk, get_dataset
from vtr.ingest.jsonl import read_jsonl
from vtr.ingest.pipeline import (
    IngestSummary,
    VariantResult,
    _ingest_texts,
    _Writer,
    pick_device,
)
from vtr.ingest.video import VideoItems, to_model_input
from vtr.progress import progress_bar
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.runs import record_error, run_lifecycle
from vtr.warehouse.variants import Variant, register_variant

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

CLIP_SCHEMA = pa.schema(
    [
        ("video_id", pa.string()),
        ("clip_idx", pa.int32()),
        ("item_id", pa.string()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
    ]
)
CAPTION_SCHEMA = pa.schema(
    [("video_id", pa.string()), ("clip_idx", pa.int32()), ("text", pa.string())]
)


def parse_clip_len(text: str | float) -> float:
    """'2s', '2', '1.5s' -> seconds; ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*s?\s*", str(text))
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"clip length {text!r} is not a positive number of seconds like 2s")
    return float(match.group(1))


def clip_item_id(video_id: str, clip_idx: int) -> str:
    return f"{video_id}@{clip_idx:04d}"


def clip_variant(backbone: str, clip_len: float, frames_per_clip: int) -> Variant:
    return Variant(
        "video",
        backbone,
        "final",
        "embed",
        temporal=f"clip{clip_len:g}s-mean",
        frames=frames_per_clip,
    )


def clip_frame_indices(n_frames: int, fps: float, clip_len: float, k: int) -> np.ndarray:
    """(n_clips, k) frame indices: k frames at the centres of k equal parts of each clip."""
    n_clips = int((n_frames / fps) / clip_len)
    if n_clips == 0:
        raise VideoDecodeError(
            f"video is {n_frames / fps:.2f} s long, shorter than one {clip_len:g}-s clip"
        )
    offsets = (np.arange(k) + 0.5) * clip_len / k
    times = np.arange(n_clips)[:, None] * clip_len + offsets[None, :]
    return np.minimum((times * fps).astype(np.int64), n_frames - 1)


def read_clips(path: str | Path, clip_len: float, k: int) -> tuple[np.ndarray, int]:
    """(n_clips * k, H, W, 3) uint8 frames of every clip, and n_clips."""
    import decord

    path = Path(path)
    if not path.is_file():
        raise VideoDecodeError(f"video file not found: {path}")
    try:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
        fps = float(reader.get_avg_fps())
        indices = clip_frame_indices(len(reader), fps, clip_len, k)
        frames = reader.get_batch(indices.reshape(-1).tolist()).asnumpy()
    except (RuntimeError, decord.DECORDError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise VideoDecodeError(f"cannot decode {path}: {message}") from None
    return frames, indices.shape[0]


class ClipDataset(VideoItems):
    """Each video as model-ready clip frames (see `VideoItems` for bad files)."""

    def __init__(
        self, items: list[tuple[str, str | None]], clip_len: float, k: int, norm: ImageNorm
    ):
        super().__init__(items)
        self.clip_len, self.k, self.norm = clip_len, k, norm

    def decode(self, path: str) -> dict[str, Any]:
        frames, n_clips = read_clips(path, self.clip_len, self.k)
        return {"frames": to_model_input(frames, self.norm), "n_clips": n_clips}


def ingest_clips(
    wh: Warehouse,
    dataset: str,
    video_backbones: list[str] | tuple[str, ...] = (),
    text_backbones: list[str] | tuple[str, ...] = (),
    clip_len: float = 2.0,
    frames_per_clip: int = 2,
    frame_batch: int = 256,
    workers: int = 0,
    device: str | None = None,
    seed: int = 0,
    flush_rows: int = 2048,
    show_progress: bool = True,
) -> IngestSummary:
    """Embed every clip of every video of `dataset` (and its texts); skip what is done."""

    get_dataset(wh, dataset)
    torch_device = pick_device(device)
    config = {
        "dataset": dataset,
        "video_backbones": list(video_backbones),
        "text_backbones": list(text_backbones),
        "clip_len": clip_len,
        "frames_per_clip": frames_per_clip,
        "device": str(torch_device),
        "seed": seed,
    }
    with run_lifecycle(wh, "ingest-clips", config) as run:
        summary = IngestSummary(run.id, dataset)
        with progress_bar(show_progress) as progress, torch.inference_mode():
            for spec in video_backbones:
                encoder = load_video_encoder(spec, torch_device, seed)
                variant = clip_variant(spec, clip_len, frames_per_clip)
                summary.variants.append(
                    _ingest_video_clips(
                        wh,
                        summary,
                        encoder,
                        variant,
                        clip_len,
                        frame_batch,
                        workers,
                        flush_rows,
                        progress,
                    )
                )
            for spec in text_backbones:
                encoder = load_text_encoder(spec, torch_device, seed)
                variant = Variant("text", spec, "final", "embed")
                summary.variants.extend(
                    _ingest_texts(wh, summary, encoder, [variant], 256, flush_rows, progress)
                )
                summary.variants.append(_ingest_clip_captions(wh, summary, encoder, variant))
        summary.errors = wh.rows("ingest/run_errors", {"run_id": run.id})
        run.status = "failed_items" if summary.failed else "ok"
        run.summary = summary.as_dict()
    return summary


def _ingest_video_clips(
    wh, summary, encoder, variant, clip_len, frame_batch, workers, flush_rows, progress
):
    dataset = summary.dataset
    register_variant(
        wh,
        variant,
        encoder.dim,
        {
            "weights": encoder.weights,
            "image_size": encoder.norm.size,
            "clip_len": clip_len,
            "frame_sampling": "centres of `frames` equal parts of each clip",
            "frame_embedding": "L2-normalised per frame before mean pooling per clip",
        },
    )
    done = wh.vectors.existing_ids(variant.lance_table, dataset)
    items = [(r["video_id"], r["path"]) for r in wh.rows("ingest/videos", {"dataset": dataset})]
    todo = [item for item in items if clip_item_id(item[0], 0) not in done]
    result = VariantResult(f"{variant.id} (clips)", already_present=len(items) - len(todo))
    loader = torch.utils.data.DataLoader(
        ClipDataset(todo, clip_len, variant.frames, encoder.norm),
        batch_size=None,
        num_workers=workers,
        multiprocessing_context="spawn" if workers else None,
    )
    writer = _Writer(wh, dataset, variant.lance_table, flush_rows)
    task = progress.add_task(f"clips {variant.backbone}", total=len(todo))
    for item in loader:
        video_id = item["video_id"]
        if "error" in item:
            record_error(wh, summary.run_id, dataset, video_id, "decode", item["error"], variant.id)
            result.failed += 1
        else:
            try:
                frames = item["frames"]
                per_frame = torch.cat(
                    [
                        encoder.encode_frames(frames[i : i + frame_batch])
                        for i in range(0, len(frames), frame_batch)
                    ]
                )
            except Exception as err:  # noqa: BLE001 - a failing video is recorded, ingest goes on
                message = f"{type(err).__name__}: {err}"
                record_error(wh, summary.run_id, dataset, video_id, "embed", message, variant.id)
                result.failed += 1
            else:
                per_frame = F.normalize(per_frame.float(), dim=-1)
                n_clips = item["n_clips"]
                pooled = per_frame.view(n_clips, variant.frames, -1).mean(dim=1)
                _write_clip_rows(wh, dataset, video_id, n_clips, clip_len)
                writer.add([clip_item_id(video_id, c) for c in range(n_clips)], pooled)
        progress.advance(task, 1)
    writer.flush()
    result.written = writer.written
    return result


def _write_clip_rows(
    wh: Warehouse, dataset: str, video_id: str, n_clips: int, clip_len: float
) -> None:
    rows = [
        {
            "video_id": video_id,
            "clip_idx": c,
            "item_id": clip_item_id(video_id, c),
            "start_s": c * clip_len,
            "end_s": (c + 1) * clip_len,
        }
        for c in range(n_clips)
    ]
    _bulk(
        wh,
        "video_clips_in",
        pa.Table.from_pylist(rows, CLIP_SCHEMA),
        "moments/write_clips",
        dataset,
    )


def _ingest_clip_captions(wh: Warehouse, summary, encoder, variant) -> VariantResult:
    """Per-clip captions go into the text variant's table, so they commit like its rows."""
    dataset = summary.dataset
    rows = wh.rows("moments/clip_captions", {"dataset": dataset})
    done = reconcile(wh, dataset, [variant])[variant.id]
    todo = [
        row for row in rows if "cap:" + clip_item_id(row["video_id"], row["clip_idx"]) not in done
    ]
    result = VariantResult(f"{variant.id} (clip captions)", already_present=len(rows) - len(todo))
    committer = Committer(wh, dataset, summary.run_id, every=4096)
    for start in range(0, len(todo), 256):
        chunk = todo[start : start + 256]
        ids = ["cap:" + clip_item_id(r["video_id"], r["clip_idx"]) for r in chunk]
        vectors = encoder.encode_texts([r["text"] for r in chunk]).float().cpu().numpy()
        committer.add(
            [write_fragments(wh.lance_path, variant.lance_table, dataset, ids, vectors, variant.id)]
        )
    committer.close()
    result.written = committer.committed[variant.id]
    return result


def register_clip_captions(wh: Warehouse, dataset: str, path: Path) -> int:
    """Load per-clip captions (JSONL of {"vid", "clip_id", "caption"}); return the row count."""
    rows = []
    for line_no, item in read_jsonl(Path(path)):
        vid, clip, text = item.get("vid"), item.get("clip_id"), item.get("caption")
        if (
            not isinstance(vid, str)
            or isinstance(clip, bool)
            or not isinstance(clip, int)
            or clip < 0
        ):
            raise AnnotationError(
                f"{path}:{line_no}: needs 'vid' (string) and 'clip_id' (integer >= 0)"
            )
        if not isinstance(text, str) or not text.strip():
            raise AnnotationError(f"{path}:{line_no} (vid {vid}, clip {clip}): empty 'caption'")
        rows.append({"video_id": vid, "clip_idx": clip, "text": text})
    with wh.transaction():
        _bulk(
            wh,
            "clip_captions_in",
            pa.Table.from_pylist(rows, CAPTION_SCHEMA),
            "moments/write_clip_captions",
            dataset,
        )
    return len(rows)
