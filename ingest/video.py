"""Video decoding with decord: uniform frame sampling, resize + centre crop, normalisation."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vtr.errors import VideoDecodeError
from vtr.ingest.backbones.base import ImageNorm


@dataclass(frozen=True)
class VideoMeta:
    fps: float
    n_frames: int
    width: int
    height: int
    duration: float


def sample_indices(n_frames: int, k: int) -> np.ndarray:
    """`k` frame indices at the centres of `k` equal segments (repeats when n_frames < k)."""
    if n_frames <= 0:
        raise ValueError("a video with no frames has nothing to sample")
    edges = np.linspace(0, n_frames, k + 1)
    return np.minimum(((edges[:-1] + edges[1:]) / 2).astype(np.int64), n_frames - 1)


def read_frames(path: str | Path, k: int) -> tuple[np.ndarray, VideoMeta]:
    """Decode `k` uniformly sampled RGB frames as a (k, H, W, 3) uint8 array."""
    import decord

    path = Path(path)
    if not path.is_file():
        raise VideoDecodeError(f"video file not found: {path}")
    if path.stat().st_size == 0:
        raise VideoDecodeError(f"video file is empty (0 bytes): {path}")
    if not os.access(path, os.R_OK):
        raise VideoDecodeError(f"video file is not readable (permission denied): {path}")
    try:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
        n_frames = len(reader)
        if n_frames == 0:
            raise VideoDecodeError(f"video has no decodable frames: {path}")
        frames = reader.get_batch(sample_indices(n_frames, k).tolist()).asnumpy()
        fps = float(reader.get_avg_fps())
    except (RuntimeError, decord.DECORDError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "cannot find video stream" in message:
            message = "the file has no video stream (audio only?)"
        raise VideoDecodeError(f"cannot decode {path}: {message}") from None
    height, width = frames.shape[1:3]
    meta = VideoMeta(fps, n_frames, int(width), int(height), n_frames / fps if fps else 0.0)
    return frames, meta


def to_model_input(frames: np.ndarray, norm: ImageNorm) -> torch.Tensor:
    """(k, H, W, 3) uint8 -> (k, 3, S, S) float: resize shortest side, centre crop, normalise."""
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float().div_(255.0)
    height, width = x.shape[-2:]
    scale = norm.size / min(height, width)
    new_h, new_w = max(norm.size, round(height * scale)), max(norm.size, round(width * scale))
    if (new_h, new_w) != (height, width):
        x = F.interpolate(
            x, size=(new_h, new_w), mode="bicubic", antialias=True, align_corners=False
        )
    top, left = (new_h - norm.size) // 2, (new_w - norm.size) // 2
    x = x[..., top : top + norm.size, left : left + norm.size].clamp_(0.0, 1.0)
    mean = torch.tensor(norm.mean).view(1, 3, 1, 1)
    std = torch.tensor(norm.std).view(1, 3, 1, 1)
    return (x - mean) / std


class VideoItems(torch.utils.data.Dataset, ABC):
    """One (video_id, path) per item, decoded by the subclass's `decode`; a bad or
    missing file yields an error record naming the video, never an exception."""

    def __init__(self, items: list[tuple[str, str | None]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    @abstractmethod
    def decode(self, path: str) -> dict[str, Any]:
        """The item's fields besides its video_id."""

    def __getitem__(self, index: int) -> dict[str, Any]:
        video_id, path = self.items[index]
        try:
            if path is None:
                raise VideoDecodeError("the annotations give no file for this video")
            return {"video_id": video_id, **self.decode(path)}
        except VideoDecodeError as err:
            return {"video_id": video_id, "error": str(err)}
        except Exception as err:  # noqa: BLE001 - any decoder failure is one bad item
            return {"video_id": video_id, "error": f"{type(err).__name__}: {err}".rstrip(": ")}


class FrameDataset(VideoItems):
    """k frames spread over each whole video."""

    def __init__(self, items: list[tuple[str, str | None]], k: int, norm: ImageNorm) -> None:
        super().__init__(items)
        self.k = k
        self.norm = norm

    def decode(self, path: str) -> dict[str, Any]:
        frames, meta = read_frames(path, self.k)
        return {"frames": to_model_input(frames, self.norm), "meta": meta}


@dataclass
class FrameBatch:
    video_ids: list[str]
    frames: torch.Tensor | None  # (B, k, 3, S, S)
    metas: list[VideoMeta]
    errors: list[tuple[str, str]]


def collate_frames(items: list[dict[str, Any]]) -> FrameBatch:
    good = [item for item in items if "error" not in item]
    errors = [(item["video_id"], item["error"]) for item in items if "error" in item]
    frames = torch.stack([item["frames"] for item in good]) if good else None
    return FrameBatch(
        [item["video_id"] for item in good], frames, [i["meta"] for i in good], errors
    )
