"""Qualitative cases of an evaluation: the best and worst queries, shown as they were answered.

T2V: one PNG strip per query with its top retrieved videos as thumbnails (a few frames
each, decoded from the original files), the ground truth framed in green and every
similarity score. V2T: the top captions of each video query, as a table. Which queries
and neighbours come from `sql/reports/qualitative_*.sql`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vtr.errors import VideoDecodeError
from vtr.reports import markdown as md
from vtr.reports.plots import draw_strip
from vtr.warehouse.catalog import Warehouse

THUMB_FRAMES = 3
THUMB_HEIGHT = 72
STRIP_PREFIX = "case_"


@dataclass
class _Thumbnails:
    """Decoded thumbnails by file path; remembers which files could not be shown and why."""

    frames: int = THUMB_FRAMES
    height: int = THUMB_HEIGHT
    cache: dict[str, np.ndarray | None] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    def get(self, path: str | None, video_id: str) -> np.ndarray | None:
        if path is None:
            self.problems[video_id] = "no video file recorded in the catalog"
            return None
        if path not in self.cache:
            self.cache[path] = self._decode(path)
        return self.cache[path]

    def _decode(self, path: str) -> np.ndarray | None:
        from vtr.ingest.video import read_frames

        try:
            frames, _ = read_frames(path, self.frames)
        except VideoDecodeError as err:
            self.problems[path] = str(err)
            return None
        return _row_of_frames(frames, self.height)


def qualitative_section(wh: Warehouse, eval_id: int, out: Path, n: int = 3, top: int = 5) -> str:
    """The markdown of the qualitative section; writes one PNG per T2V case into `out`."""
    for old in out.glob(f"{STRIP_PREFIX}*.png"):  # strips of an earlier run of this report
        old.unlink()
    thumbs = _Thumbnails()
    parts = [
        md.heading(2, "Qualitative cases"),
        f"The {n} best and {n} worst queries by the rank of their ground truth, with their "
        f"top {top} neighbours.",
        _t2v_cases(wh, eval_id, out, n, top, thumbs),
        _v2t_cases(wh, eval_id, n, top),
    ]
    if thumbs.problems:
        lines = [f"- {md.code_span(p)}: {md.escape(why)}" for p, why in thumbs.problems.items()]
        parts.append(
            f"**{len(thumbs.problems)} video(s) could not be shown** (no file recorded, moved "
            "or deleted since ingest, or unreadable); their panels say so:\n\n" + "\n".join(lines)
        )
    return "\n\n".join(parts)


def _t2v_cases(
    wh: Warehouse, eval_id: int, out: Path, n: int, top: int, thumbs: _Thumbnails
) -> str:
    queries = _queries(wh, eval_id, "t2v", n)
    if not queries:
        return "_No text-to-video queries._"
    neighbours = _neighbours(wh, eval_id, "t2v", queries, top)
    title = md.heading(3, "Text to video")
    if not any(r["target_path"] for rows in neighbours.values() for r in rows):
        note = "No video files are recorded in the catalog for these videos, so no thumbnails."
        return "\n\n".join([title, note, _cases_table(queries, neighbours, "Video")])
    parts = [title, "Ground truth framed in green (✓); scores are the ranking scores."]
    for i, q in enumerate(queries, start=1):
        rows = neighbours.get(q["query_id"], [])
        panels = [
            _panel(
                f"#{r['position']} {r['target_id']}",
                r["score"],
                r["is_gt"],
                r["target_path"],
                r["target_id"],
            )
            for r in rows
        ]
        if q["gt_video"] is not None and not any(r["is_gt"] for r in rows):
            label = f"ground truth {q['gt_video']} (rank {_rank(q['rank'])})"
            panels.append(_panel(label, q["gt_score"], True, q["gt_path"], q["gt_video"]))
        name = f"{STRIP_PREFIX}t2v_{q['kind']}_{i}.png"
        text = q["query_text"] if q["query_text"] is not None else q["query_id"]
        images = [thumbs.get(p["path"], p["video_id"]) for p in panels]
        draw_strip(out / name, f"{q['kind']}: {text}", panels, images)
        parts.append(
            f"**{q['kind'].capitalize()}** (rank {_rank(q['rank'])}): {md.escape(text)}\n\n"
            + md.image(f"top {top} videos for caption {q['query_id']}", name)
        )
    return "\n\n".join(parts)


def _v2t_cases(wh: Warehouse, eval_id: int, n: int, top: int) -> str:
    queries = _queries(wh, eval_id, "v2t", n)
    if not queries:
        return "_No video-to-text queries._"
    neighbours = _neighbours(wh, eval_id, "v2t", queries, top)
    return md.section(
        "Video to text",
        "✓ = a caption of the query video.",
        _cases_table(queries, neighbours, "Caption"),
        level=3,
    )


def _cases_table(
    queries: list[dict[str, Any]], neighbours: dict[str, list[dict[str, Any]]], target: str
) -> str:
    rows = []
    for q in queries:
        for r in neighbours.get(q["query_id"], []):
            text = r["target_text"] if r["target_text"] is not None else r["target_id"]
            rows.append(
                [
                    q["kind"],
                    q["query_id"],
                    _rank(q["rank"]),
                    r["position"],
                    "✓" if r["is_gt"] else "",
                    md.number(r["score"], 3),
                    text,
                ]
            )
    return md.table(
        ["Case", "Query", "Rank", "#", "GT", "Score", target],
        rows,
        ["left", "left", "right", "right", "left", "right", "left"],
    )


def _queries(wh: Warehouse, eval_id: int, direction: str, n: int) -> list[dict[str, Any]]:
    return wh.rows(
        "reports/qualitative_queries", {"eval_id": eval_id, "direction": direction, "n": n}
    )


def _neighbours(
    wh: Warehouse, eval_id: int, direction: str, queries: list[dict[str, Any]], top: int
) -> dict[str, list[dict[str, Any]]]:
    params = {
        "eval_id": eval_id,
        "direction": direction,
        "query_ids": [q["query_id"] for q in queries],
        "top": top,
    }
    by_query: dict[str, list[dict[str, Any]]] = {}
    for row in wh.rows("reports/qualitative_neighbours", params):
        by_query.setdefault(row["query_id"], []).append(row)
    return by_query


def _panel(
    label: str, score: float, is_gt: bool, path: str | None, video_id: str
) -> dict[str, Any]:
    return {
        "label": label,
        "score": score,
        "is_gt": bool(is_gt),
        "path": path,
        "video_id": video_id,
    }


def _row_of_frames(frames: np.ndarray, height: int) -> np.ndarray:
    """The frames resized to `height` and laid side by side with a 2-pixel white gap."""
    from PIL import Image

    resized = []
    for frame in frames:
        h, w = frame.shape[:2]
        width = max(1, round(w * height / h))
        resized.append(np.asarray(Image.fromarray(frame).resize((width, height))))
        resized.append(np.full((height, 2, 3), 255, dtype=np.uint8))
    return np.concatenate(resized[:-1], axis=1)


def _rank(value: float) -> str:
    """A stored rank as written: 3, or 2.5 under the 'mean' ties rule."""
    return f"{value:g}"
