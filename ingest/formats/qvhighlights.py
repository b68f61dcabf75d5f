"""QVHighlights moment-retrieval JSONL (loader in vtr.ingest.moments)."""

from __future__ import annotations

from pathlib import Path

from vtr.registry import FORMATS


@FORMATS.register(
    "qvhighlights",
    help="QVHighlights JSONL: qid, query, vid, duration, relevant_windows, saliency_scores",
    extensions=(".jsonl",),
)
def load(path: Path, video_dir: Path | None):
    from vtr.ingest.moments import load_qvhighlights

    return load_qvhighlights(path, video_dir)
