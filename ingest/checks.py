"""Checks of ingest options that run before anything is loaded, registered or written.

Kept free of torch and the model libraries, so that a bad option fails in well under a
second instead of after the heavy imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vtr.errors import IngestOptionError
from vtr.ingest.backbones.specs import check_spec


def check_ingest_options(
    video_backbones: Sequence[str],
    text_backbones: Sequence[str],
    frames: int = 8,
    batch_size: int = 16,
    text_batch_size: int = 256,
) -> None:
    """Raise IngestOptionError (or BackboneError for a bad spec) for options no ingest
    can run with: no backbone at all, fewer than one frame or item per batch."""
    if not video_backbones and not text_backbones:
        raise IngestOptionError(
            "nothing to ingest: give at least one --video-backbone or --text-backbone "
            "(see `vtr backbones` for the spec forms)"
        )
    for name, value in (
        ("--frames", frames),
        ("--batch-size", batch_size),
        ("text batch size", text_batch_size),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise IngestOptionError(f"{name} must be a whole number of at least 1, not {value!r}")
    for spec in video_backbones:
        check_spec(spec, "video")
    for spec in text_backbones:
        check_spec(spec, "text")


def check_video_folder(videos: Path | None) -> None:
    """An explicit --videos folder must exist and be a folder."""
    if videos is None:
        return
    if not videos.exists():
        raise IngestOptionError(f"--videos {videos}: no such folder")
    if not videos.is_dir():
        raise IngestOptionError(f"--videos {videos}: not a folder (give the folder of the videos)")
