"""Frame and clip datasets share one error-recording item loader: a missing, broken or
absent file is an error record naming the video, never an exception."""

from __future__ import annotations

import pytest

from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.clips import ClipDataset
from vtr.ingest.video import FrameDataset

NORM = ImageNorm(size=16, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def _datasets(items):
    return [FrameDataset(items, 2, NORM), ClipDataset(items, 2.0, 2, NORM)]


@pytest.mark.parametrize("which", [0, 1], ids=["frames", "clips"])
def test_bad_items_are_error_records(tmp_path, small_corpus, which):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    good = next((small_corpus.parent / "videos").glob("*.mp4"))
    items = [("none", None), ("gone", str(tmp_path / "gone.mp4")), ("bad", str(broken))]
    dataset = _datasets([*items, ("good", str(good))])[which]
    assert len(dataset) == 4
    records = [dataset[i] for i in range(4)]
    assert [r["video_id"] for r in records] == ["none", "gone", "bad", "good"]
    assert records[0]["error"] == "the annotations give no file for this video"
    assert "gone.mp4" in records[1]["error"] and "broken.mp4" in records[2]["error"]
    assert "error" not in records[3] and records[3]["frames"].shape[-1] == 16


def test_any_other_failure_is_named_with_its_type(monkeypatch):
    from vtr.ingest import clips, video

    def explode(*args, **kwargs):
        raise MemoryError("no room")

    monkeypatch.setattr(video, "read_frames", explode)
    monkeypatch.setattr(clips, "read_clips", explode)
    for dataset in _datasets([("v", "v.mp4")]):
        assert dataset[0] == {"video_id": "v", "error": "MemoryError: no room"}
