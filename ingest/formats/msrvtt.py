"""MSR-VTT: the official / CLIP4Clip JSON and the 1k-A CSV (loaders in vtr.ingest.datasets)."""

from __future__ import annotations

from pathlib import Path

from vtr.registry import FORMATS


@FORMATS.register(
    "msrvtt-json",
    help="MSR-VTT JSON (train_val/test_videodatainfo.json, MSRVTT_data.json, synthetic)",
    extensions=(".json",),
)
def load_json(path: Path, video_dir: Path | None):
    from vtr.ingest.datasets import load_msrvtt_json

    return load_msrvtt_json(path, video_dir)


@FORMATS.register(
    "msrvtt-csv",
    help="the CLIP4Clip 1k-A CSV (key,vid_key,video_id,sentence)",
    extensions=(".csv",),
)
def load_csv(path: Path, video_dir: Path | None):
    from vtr.ingest.datasets import load_msrvtt_csv

    return load_msrvtt_csv(path, video_dir)
