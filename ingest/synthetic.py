"""A synthetic text-video retrieval corpus: real MP4s + MSR-VTT style annotations.

Each video shows ONE shape of ONE colour on ONE plain background with ONE motion; every
video is a different combination out of 5 shapes x 8 motions x 10 colours x 4 backgrounds
= 1600. Categories are (shape, motion group) pairs: 20 of them, like MSR-VTT's 20.
Captions range from ambiguous one-attribute phrases to long ones that name every
attribute (see `vtr.ingest.synthetic_captions`). Everything is drawn from one seeded
numpy Generator: the same seed gives byte-identical annotations.

    >>> generate_retrieval_corpus(Path("corpus"), n_videos=300, seed=0)
    PosixPath('corpus/annotations.json')
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vtr.ingest.synthetic_captions import (
    BACKGROUNDS,
    COLOURS,
    MOTION_GROUPS,
    MOTIONS,
    SHAPES,
    captions_for,
    category_name,
)

N_COMBINATIONS = len(SHAPES) * len(MOTIONS) * len(COLOURS) * len(BACKGROUNDS)
SPLIT_FRACTIONS = {"train": 0.7, "val": 0.1, "test": 0.2}

COLOUR_RGB = {
    "red": (220, 30, 30),
    "green": (40, 190, 40),
    "blue": (50, 90, 240),
    "yellow": (245, 225, 30),
    "orange": (250, 140, 20),
    "purple": (150, 50, 190),
    "white": (245, 245, 245),
    "pink": (250, 150, 200),
    "cyan": (40, 225, 235),
    "brown": (140, 85, 35),
}
BACKGROUND_RGB = {
    "black": (0, 0, 0),
    "gray": (110, 110, 110),
    "dark blue": (10, 20, 80),
    "dark green": (10, 60, 20),
}
# Lossless H.264: lossy x264 output differs from run to run when torch shares the process
# (thread timing), which made the same seed give different pixels, hence different metrics.
ENCODER_OPTIONS = {"preset": "veryfast", "threads": "1", "qp": "0"}

Progress = Callable[[int, int], None]


def combination(index: int) -> tuple[int, int, int, int]:
    """Combination index in [0, 1600) -> (shape, motion, colour, background) indices."""
    if not 0 <= index < N_COMBINATIONS:
        raise ValueError(f"combination index {index} is outside [0, {N_COMBINATIONS})")
    shape, rest = divmod(index, len(MOTIONS) * len(COLOURS) * len(BACKGROUNDS))
    motion, rest = divmod(rest, len(COLOURS) * len(BACKGROUNDS))
    colour, background = divmod(rest, len(BACKGROUNDS))
    return shape, motion, colour, background


def category_id(shape: int, motion: int) -> int:
    """shape_index * 4 + motion group (horizontal, vertical, scale, static)."""
    return shape * len(MOTION_GROUPS) + motion // 2


def split_counts(n_videos: int) -> dict[str, int]:
    """70/10/20 train/val/test; every split non-empty from 3 videos on."""
    if n_videos < 3:
        return {"train": n_videos, "val": 0, "test": 0}
    test = max(1, int(SPLIT_FRACTIONS["test"] * n_videos + 0.5))
    val = max(1, int(SPLIT_FRACTIONS["val"] * n_videos + 0.5))
    return {"train": n_videos - test - val, "val": val, "test": test}


def render_video(
    shape: int, motion: int, colour: int, background: int, frames: int = 24, size: int = 64
) -> np.ndarray:
    """The (frames, size, size, 3) uint8 RGB frames of one combination."""
    t = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
    cx = np.full(frames, 0.5)
    cy = np.full(frames, 0.5)
    radius = np.full(frames, 0.2)
    visible = np.ones(frames, dtype=bool)
    moving = 0.75 - 0.5 * t  # from 3/4 to 1/4 of the frame
    if motion in (0, 1, 2, 3):
        radius[:] = 0.16
    if motion == 0:
        cx = moving
    elif motion == 1:
        cx = 1.0 - moving
    elif motion == 2:
        cy = moving
    elif motion == 3:
        cy = 1.0 - moving
    elif motion == 4:
        radius = 0.08 + 0.26 * t
    elif motion == 5:
        radius = 0.34 - 0.26 * t
    elif motion == 7:
        visible = (np.arange(frames) // max(1, frames // 6)) % 2 == 0
    grid = (np.arange(size) + 0.5) / size
    r = radius[:, None, None]
    dx = (grid[None, None, :] - cx[:, None, None]) / r
    dy = (grid[None, :, None] - cy[:, None, None]) / r
    mask = _shape_mask(SHAPES[shape], dx, dy) & visible[:, None, None]
    fg = np.array(COLOUR_RGB[COLOURS[colour]], dtype=np.uint8)
    bg = np.array(BACKGROUND_RGB[BACKGROUNDS[background]], dtype=np.uint8)
    return np.where(mask[..., None], fg, bg).astype(np.uint8)


def _shape_mask(shape: str, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Inside-test of a unit-size shape centred at 0, on coordinates divided by its radius."""
    if shape == "circle":
        return dx * dx + dy * dy <= 1.0
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) <= 0.85
    if shape == "triangle":  # equilateral, pointing up (image y grows downwards)
        return (dy <= 0.5) & (dy >= -1.0 + np.sqrt(3.0) * np.abs(dx))
    if shape == "star":  # five points: the boundary radius zig-zags with the angle
        sector = 2 * np.pi / 5
        phase = np.mod(np.arctan2(dx, -dy), sector) / sector
        boundary = 0.42 + 0.58 * np.abs(2 * phase - 1)
        return np.hypot(dx, dy) <= boundary
    if shape == "cross":
        ax, ay = np.abs(dx), np.abs(dy)
        return ((ax <= 0.3) & (ay <= 1.0)) | ((ay <= 0.3) & (ax <= 1.0))
    raise ValueError(f"unknown shape {shape!r}; known shapes: {', '.join(SHAPES)}")


def write_mp4(path: Path, frames: np.ndarray, fps: int) -> None:
    """Encode (T, H, W, 3) uint8 RGB frames as lossless H.264/yuv420p MP4 (moov atom first)."""
    import av

    with av.open(str(path), "w", container_options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps, options=dict(ENCODER_OPTIONS))
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_long_corpus(
    out_dir: Path,
    videos: list[tuple[str, Callable[[], np.ndarray]]],
    jsonl_files: dict[str, list[dict[str, Any]]],
    fps: int,
    progress: Progress | None = None,
) -> Path:
    """Write `out_dir/videos/<id>.mp4` from (id, render) pairs, then each JSONL file
    atomically and last, so that their presence means every video is complete."""
    out_dir = Path(out_dir)
    video_dir = out_dir / "videos"
    video_dir.mkdir(parents=True, exist_ok=True)
    for done, (video_id, render) in enumerate(videos, start=1):
        write_mp4(video_dir / f"{video_id}.mp4", render(), fps)
        if progress is not None:
            progress(done, len(videos))
    for name, rows in jsonl_files.items():
        partial = out_dir / f"{name}.partial"
        partial.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        os.replace(partial, out_dir / name)
    return out_dir


def check_long_video_args(fps: int, size: int) -> None:
    if fps < 1 or size < 16 or size % 2:
        raise ValueError(f"fps={fps}, size={size}: fps >= 1 and an even size >= 16 please")


def build_annotations(
    n_videos: int,
    seed: int = 0,
    frames: int = 24,
    fps: int = 12,
    size: int = 64,
    direction_twins: float = 0.0,
) -> dict[str, Any]:
    """The MSR-VTT style annotations of a corpus (no files written); seeded, deterministic.

    `direction_twins` (0-1): about this share of the videos come in pairs that differ only
    in the direction of their motion (left/right, up/down), both in the same split; their
    frames are the same set in reverse order, so only the frame order tells them apart.
    """
    check_corpus_args(n_videos, frames, fps, size)
    rng = np.random.default_rng(seed)
    picks = rng.choice(N_COMBINATIONS, size=n_videos, replace=False)
    splits = np.empty(n_videos, dtype=object)
    order = rng.permutation(n_videos)
    start = 0
    for split, count in split_counts(n_videos).items():
        splits[order[start : start + count]] = split
        if direction_twins > 0:
            _pair_directions(picks, order[start : start + count], direction_twins)
        start += count
    videos, sentences = [], []
    for i, pick in enumerate(picks.tolist()):
        shape, motion, colour, background = combination(pick)
        video_id = f"video{i}"
        videos.append(
            {
                "category": category_id(shape, motion),
                "url": "",
                "video_id": video_id,
                "start time": 0.0,
                "end time": round(frames / fps, 6),
                "split": str(splits[i]),
                "id": i,
                "attributes": {
                    "shape": SHAPES[shape],
                    "motion": MOTIONS[motion][0],
                    "colour": COLOURS[colour],
                    "background": BACKGROUNDS[background],
                    "combination": pick,
                },
            }
        )
        for text in captions_for(shape, colour, motion, background, rng):
            sentences.append({"caption": text, "video_id": video_id, "sen_id": len(sentences)})
    categories = [
        {"id": category_id(s, g * 2), "name": category_name(s, g)}
        for s in range(len(SHAPES))
        for g in range(len(MOTION_GROUPS))
    ]
    info = {
        "description": "vtr synthetic text-video retrieval corpus (one shape, one motion)",
        "version": "1.0",
        "seed": seed,
        "n_videos": n_videos,
        "frames": frames,
        "fps": fps,
        "size": size,
    }
    return {"info": info, "categories": categories, "videos": videos, "sentences": sentences}


def generate_retrieval_corpus(
    out_dir: Path,
    n_videos: int,
    seed: int = 0,
    frames: int = 24,
    fps: int = 12,
    size: int = 64,
    progress: Progress | None = None,
    direction_twins: float = 0.0,
) -> Path:
    """Write `out_dir/videos/<video_id>.mp4` and `out_dir/annotations.json`; return the latter.

    `progress(done, total)` is called after each video. The annotations file is written
    last (atomically), so its presence means the corpus is complete. `direction_twins`:
    see `build_annotations`.
    """
    annotations = build_annotations(
        n_videos, seed=seed, frames=frames, fps=fps, size=size, direction_twins=direction_twins
    )
    out_dir = Path(out_dir)
    video_dir = out_dir / "videos"
    video_dir.mkdir(parents=True, exist_ok=True)
    total = len(annotations["videos"])
    for done, video in enumerate(annotations["videos"], start=1):
        shape, motion, colour, background = combination(video["attributes"]["combination"])
        pixels = render_video(shape, motion, colour, background, frames=frames, size=size)
        write_mp4(video_dir / f"{video['video_id']}.mp4", pixels, fps)
        if progress is not None:
            progress(done, total)
    path = out_dir / "annotations.json"
    partial = out_dir / "annotations.json.partial"
    partial.write_text(json.dumps(annotations, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
    return path


def _pair_directions(picks: np.ndarray, members: np.ndarray, share: float) -> None:
    """Within one split (`members`), turn every second video of some directional pairs into
    the direction twin of the first (motion left<->right, up<->down); in place."""
    used = set(picks.tolist())
    wanted = int(round(share * len(members) / 2))
    for first, second in zip(members[0::2], members[1::2], strict=False):
        if wanted == 0:
            break
        shape, motion, colour, background = combination(int(picks[first]))
        if motion > 3:  # grows, shrinks, still, blinks: no direction
            continue
        twin = int(picks[first]) + ((motion ^ 1) - motion) * len(COLOURS) * len(BACKGROUNDS)
        if twin in used:
            continue
        used.discard(int(picks[second]))
        used.add(twin)
        picks[second] = twin
        wanted -= 1


def check_corpus_args(n_videos: int, frames: int, fps: int, size: int) -> None:
    """Raise ValueError naming the argument when a corpus cannot be made as asked."""
    if not 1 <= n_videos <= N_COMBINATIONS:
        raise ValueError(
            f"n_videos={n_videos}: the synthetic corpus has {N_COMBINATIONS} distinct "
            f"combinations (5 shapes x 8 motions x 10 colours x 4 backgrounds), "
            f"so ask for 1 to {N_COMBINATIONS} videos"
        )
    if frames < 1 or fps < 1:
        raise ValueError(f"frames={frames}, fps={fps}: both must be at least 1")
    if size < 16 or size % 2:
        raise ValueError(f"size={size}: frames must be an even number of pixels, at least 16")
