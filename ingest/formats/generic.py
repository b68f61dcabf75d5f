"""Any other dataset: one row per caption as CSV, TSV or JSONL (vtr.ingest.generic)."""

from __future__ import annotations

import csv
from pathlib import Path

from vtr.registry import FORMATS


def sniff(path: Path) -> bool:
    """A JSONL whose first record has video_id and caption, or a CSV with the generic
    header (and no MSR-VTT `sentence` column); a .tsv is always generic."""
    from vtr.ingest.datasets import first_object_has
    from vtr.ingest.generic import has_generic_fields

    suffix = Path(path).suffix.lower()
    if suffix == ".jsonl":
        return first_object_has(path, ("video_id", "caption"))
    if suffix == ".tsv":
        return True
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return has_generic_fields(header) and "sentence" not in (header or [])


@FORMATS.register(
    "generic",
    help="one row per caption: video_id, caption, optional split, category, caption_id, "
    "duration (CSV, TSV or JSONL)",
    extensions=(".tsv", ".csv", ".jsonl"),
    sniff=sniff,
)
def load(path: Path, video_dir: Path | None):
    from vtr.ingest.generic import load_generic

    return load_generic(path, video_dir)
