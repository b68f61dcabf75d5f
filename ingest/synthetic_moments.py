"""A synthetic moment retrieval / highlight detection corpus in the QVHighlights format.

Each long video (30-150 s, tiny frames, low fps) is a sequence of events on one plain
background; an event is one shape of one colour doing one motion (the retrieval
generator's vocabulary) for 2-60 seconds. A query names one event ("a red circle moves
left"); its relevant windows are every span where that event is on screen (sometimes
two), and three simulated annotators score each relevant 2-second clip 1-4 (highest in
the middle of a window). Files written:

    DIR/videos/<vid>.mp4
    DIR/highlight_{train,val}_release.jsonl   labelled
    DIR/highlight_test_release.jsonl          no labels, like the QVHighlights test split
    DIR/clip_captions.jsonl                   {"vid", "clip_id", "caption"} per 2-s clip,
                                              from a simulated captioner (some mistakes)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vtr.ingest.synthetic import (
    Progress,
    check_long_video_args,
    render_video,
    write_long_corpus,
)
from vtr.ingest.synthetic_captions import BACKGROUNDS, COLOURS, MOTIONS, SHAPES

CLIP_LEN = 2
EVENT_CLIPS = {"short": (1, 5), "middle": (6, 15), "long": (16, 30)}  # 2-s clips per event
SPLITS = (("train", 0.7), ("val", 0.15), ("test", 0.15))
CAPTION_ERROR_RATE = 0.15
# Lossless H.264: the decoded pixels equal the rendered ones on every run (lossy x264
# output was seen to differ between runs in processes that also run torch), so clip
# embeddings and measured numbers repeat exactly.


@dataclass(frozen=True)
class Event:
    start_clip: int
    end_clip: int  # exclusive
    shape: int
    colour: int
    motion: int

    @property
    def key(self) -> tuple[int, int, int]:
        return self.shape, self.colour, self.motion


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def event_text(shape: int, colour: int, motion: int) -> str:
    return f"{_a(COLOURS[colour])} {SHAPES[shape]} {MOTIONS[motion][0]}"


def plan_video(rng: np.random.Generator, min_s: int = 30, max_s: int = 150) -> list[Event]:
    """The events of one video, back to back; about a third repeat an earlier event."""
    n_clips = int(rng.integers(min_s // CLIP_LEN, max_s // CLIP_LEN + 1))
    events: list[Event] = []
    clip = 0
    while clip < n_clips:
        low, high = EVENT_CLIPS[("short", "middle", "long")[int(rng.integers(3))]]
        length = min(int(rng.integers(low, high + 1)), n_clips - clip)
        earlier = [e for e in events[:-1] if e.key != events[-1].key] if events else []
        if earlier and rng.random() < 0.3:
            shape, colour, motion = earlier[int(rng.integers(len(earlier)))].key
        else:
            shape, motion = int(rng.integers(len(SHAPES))), int(rng.integers(len(MOTIONS)))
            colour = int(rng.integers(len(COLOURS)))
            if events and colour == events[-1].colour:
                colour = (colour + 1) % len(COLOURS)
        events.append(Event(clip, clip + length, shape, colour, motion))
        clip += length
    return events


def windows_of(events: list[Event], key: tuple[int, int, int]) -> list[tuple[int, int]]:
    """Clip spans [start, end) where the event `key` is on screen (adjacent spans merged)."""
    spans: list[tuple[int, int]] = []
    for e in events:
        if e.key != key:
            continue
        if spans and spans[-1][1] == e.start_clip:
            spans[-1] = (spans[-1][0], e.end_clip)
        else:
            spans.append((e.start_clip, e.end_clip))
    return spans


def saliency(span: tuple[int, int], rng: np.random.Generator) -> list[list[int]]:
    """3 annotators' 1-4 scores per clip of a window: 4 in the middle, lower at the edges."""
    start, end = span
    out = []
    for clip in range(start, end):
        edge = min(clip - start, end - 1 - clip)
        base = 4 if edge >= 2 else 3 if edge == 1 else 2
        out.append([int(np.clip(base - rng.integers(0, 2), 1, 4)) for _ in range(3)])
    return out


def build_corpus(n_videos: int, seed: int = 0, queries_per_video: int = 2) -> dict[str, Any]:
    """Annotations of the corpus (no files written): videos with their events, query rows
    per split and clip captions. Seeded and deterministic."""
    if n_videos < 3:
        raise ValueError(f"n_videos={n_videos}: ask for at least 3 (train, val and test)")
    rng = np.random.default_rng(seed)
    videos, rows, captions = [], {name: [] for name, _ in SPLITS}, []
    order = rng.permutation(n_videos)
    n_val = max(1, round(SPLITS[1][1] * n_videos))
    n_test = max(1, round(SPLITS[2][1] * n_videos))
    split_of = {int(v): "train" for v in order[: n_videos - n_val - n_test]}
    split_of.update({int(v): "val" for v in order[n_videos - n_val - n_test : n_videos - n_test]})
    split_of.update({int(v): "test" for v in order[n_videos - n_test :]})
    qid = 0
    for i in range(n_videos):
        vid = f"mvid{i:04d}"
        events = plan_video(rng)
        background = int(rng.integers(len(BACKGROUNDS)))
        duration = events[-1].end_clip * CLIP_LEN
        videos.append({"vid": vid, "background": background, "events": events})
        keys = list(dict.fromkeys(e.key for e in events))
        for k in rng.choice(len(keys), size=min(queries_per_video, len(keys)), replace=False):
            key = keys[int(k)]
            spans = windows_of(events, key)
            row: dict[str, Any] = {
                "qid": qid,
                "query": event_text(*key),
                "duration": duration,
                "vid": vid,
            }
            if split_of[i] != "test":
                row["relevant_windows"] = [[s * CLIP_LEN, e * CLIP_LEN] for s, e in spans]
                row["relevant_clip_ids"] = [c for s, e in spans for c in range(s, e)]
                row["saliency_scores"] = [t for span in spans for t in saliency(span, rng)]
            rows[split_of[i]].append(row)
            qid += 1
        for e in events:
            for clip in range(e.start_clip, e.end_clip):
                colour = e.colour
                if rng.random() < CAPTION_ERROR_RATE:
                    colour = int(rng.integers(len(COLOURS)))
                text = (
                    f"{_a(COLOURS[colour])} {SHAPES[e.shape]} {MOTIONS[e.motion][1]} "
                    f"on a {BACKGROUNDS[background]} background"
                )
                captions.append({"vid": vid, "clip_id": clip, "caption": text})
    return {"videos": videos, "splits": rows, "clip_captions": captions}


def render_events(events: list[Event], background: int, fps: int = 2, size: int = 32) -> np.ndarray:
    """(T, size, size, 3) frames: each event rendered over its span, back to back."""
    parts = [
        render_video(
            e.shape,
            e.motion,
            e.colour,
            background,
            frames=(e.end_clip - e.start_clip) * CLIP_LEN * fps,
            size=size,
        )
        for e in events
    ]
    return np.concatenate(parts)


def generate_moments_corpus(
    out_dir: Path,
    n_videos: int,
    seed: int = 0,
    fps: int = 2,
    size: int = 32,
    progress: Progress | None = None,
) -> Path:
    """Write the corpus into `out_dir`; return the folder. The JSONL files are written
    last (atomically), so their presence means the videos are complete."""
    check_long_video_args(fps, size)
    corpus = build_corpus(n_videos, seed)
    videos = [
        (v["vid"], lambda v=v: render_events(v["events"], v["background"], fps=fps, size=size))
        for v in corpus["videos"]
    ]
    files = {f"highlight_{name}_release.jsonl": rows for name, rows in corpus["splits"].items()}
    files["clip_captions.jsonl"] = corpus["clip_captions"]
    return write_long_corpus(out_dir, videos, files, fps, progress)
