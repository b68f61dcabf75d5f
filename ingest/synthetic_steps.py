"""A synthetic step-grounding corpus: procedure videos whose steps come in a fixed order.

A procedure is an ordered list of 3-6 steps; a step is one shape of one colour doing
one motion (the retrieval generator's vocabulary), described as such ("a red circle
moves left"). Steps of one procedure share attributes (two steps may both be red, or
both circles), so a step description alone can point at the wrong part of the video;
the order of the steps tells them apart. Each video performs one procedure: its steps
last 2-20 s each, in order, with background-only gaps (0-8 s) before, between and
after them. Files written:

    DIR/videos/<video>.mp4
    DIR/steps_{train,val,test}.jsonl   {"qid", "video", "query", "start", "end",
                                        "duration"} per step, in step order
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vtr.ingest.synthetic import (
    BACKGROUND_RGB,
    Progress,
    check_long_video_args,
    write_long_corpus,
)
from vtr.ingest.synthetic_captions import BACKGROUNDS, COLOURS, MOTIONS, SHAPES
from vtr.ingest.synthetic_moments import CLIP_LEN, Event, event_text, render_events

SPLITS = (("train", 0.7), ("val", 0.15), ("test", 0.15))
PROCEDURES = 12
STEP_CLIPS = (1, 10)  # a step lasts 1-10 two-second clips
GAP_CLIPS = (0, 4)


def plan_procedures(rng: np.random.Generator, n: int = PROCEDURES) -> list[list[tuple]]:
    """`n` procedures of 3-6 distinct (shape, colour, motion) steps sharing attributes."""
    procedures = []
    for _ in range(n):
        n_steps = int(rng.integers(3, 7))
        colours = rng.choice(len(COLOURS), size=2, replace=False)
        shapes = rng.choice(len(SHAPES), size=2, replace=False)
        steps: list[tuple[int, int, int]] = []
        while len(steps) < n_steps:
            step = (
                int(shapes[rng.integers(2)]),
                int(colours[rng.integers(2)]),
                int(rng.integers(len(MOTIONS))),
            )
            if step not in steps:
                steps.append(step)
        procedures.append(steps)
    return procedures


def plan_video(rng: np.random.Generator, steps: list[tuple]) -> list[Event | None]:
    """The video as a list of segments: Events for steps, None for background gaps."""
    segments: list[Event | None] = []
    clip = 0
    for shape, colour, motion in steps:
        gap = int(rng.integers(GAP_CLIPS[0], GAP_CLIPS[1] + 1))
        segments += [None] * gap
        clip += gap
        length = int(rng.integers(STEP_CLIPS[0], STEP_CLIPS[1] + 1))
        segments.append(Event(clip, clip + length, shape, colour, motion))
        clip += length
    segments += [None] * int(rng.integers(GAP_CLIPS[0], GAP_CLIPS[1] + 1))
    return segments


def build_corpus(n_videos: int, seed: int = 0) -> dict[str, Any]:
    """Videos (background + segments) and their step rows per split; seeded."""
    if n_videos < 3:
        raise ValueError(f"n_videos={n_videos}: ask for at least 3 (train, val and test)")
    rng = np.random.default_rng(seed)
    procedures = plan_procedures(rng)
    n_val = max(1, round(SPLITS[1][1] * n_videos))
    n_test = max(1, round(SPLITS[2][1] * n_videos))
    order = rng.permutation(n_videos)
    split_of = {int(v): "train" for v in order[: n_videos - n_val - n_test]}
    split_of.update({int(v): "val" for v in order[n_videos - n_val - n_test : n_videos - n_test]})
    split_of.update({int(v): "test" for v in order[n_videos - n_test :]})
    videos, rows = [], {name: [] for name, _ in SPLITS}
    for i in range(n_videos):
        video = f"svid{i:04d}"
        steps = procedures[int(rng.integers(len(procedures)))]
        segments = plan_video(rng, steps)
        duration = float(
            CLIP_LEN * sum(1 if s is None else s.end_clip - s.start_clip for s in segments)
        )
        videos.append(
            {
                "video": video,
                "background": int(rng.integers(len(BACKGROUNDS))),
                "segments": segments,
            }
        )
        for index, event in enumerate(e for e in segments if e is not None):
            rows[split_of[i]].append(
                {
                    "qid": f"{video}#{index}",
                    "video": video,
                    "query": event_text(event.shape, event.colour, event.motion),
                    "start": float(event.start_clip * CLIP_LEN),
                    "end": float(event.end_clip * CLIP_LEN),
                    "duration": duration,
                }
            )
    return {"videos": videos, "splits": rows}


def render_segments(
    segments: list[Event | None], background: int, fps: int = 2, size: int = 32
) -> np.ndarray:
    """(T, size, size, 3) frames: each step rendered over its span, gaps plain background."""
    gap = np.array(BACKGROUND_RGB[BACKGROUNDS[background]], dtype=np.uint8)
    parts = []
    for segment in segments:
        if segment is None:
            parts.append(np.broadcast_to(gap, (CLIP_LEN * fps, size, size, 3)))
        else:
            parts.append(render_events([segment], background, fps=fps, size=size))
    return np.concatenate(parts)


def generate_steps_corpus(
    out_dir: Path,
    n_videos: int,
    seed: int = 0,
    fps: int = 2,
    size: int = 32,
    progress: Progress | None = None,
) -> Path:
    """Write the corpus into `out_dir`; return it. The JSONL files are written last."""
    check_long_video_args(fps, size)
    corpus = build_corpus(n_videos, seed)
    videos = [
        (
            v["video"],
            lambda v=v: render_segments(v["segments"], v["background"], fps=fps, size=size),
        )
        for v in corpus["videos"]
    ]
    files = {f"steps_{split}.jsonl": rows for split, rows in corpus["splits"].items()}
    return write_long_corpus(out_dir, videos, files, fps, progress)
