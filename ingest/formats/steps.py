"""Step-grounding JSONL: one step (video, start, end, text) per line (vtr.ingest.steps)."""

from __future__ import annotations

from pathlib import Path

from vtr.registry import FORMATS


def sniff(path: Path) -> bool:
    """A JSONL whose first record has video, start and end (.json/.csv: name the format)."""
    from vtr.ingest.datasets import first_object_has

    suffix = Path(path).suffix.lower()
    return suffix == ".jsonl" and first_object_has(path, ("video", "start", "end"))


@FORMATS.register(
    "steps",
    help="step-grounding rows: video, start, end, step text (.jsonl detected by those "
    "fields; .json/.csv with --format steps)",
    extensions=(".jsonl", ".json", ".csv"),
    sniff=sniff,
)
def load(path: Path, video_dir: Path | None):
    from vtr.ingest.steps import load_steps_dataset

    return load_steps_dataset(path, video_dir)
