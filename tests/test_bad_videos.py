"""Bad videos beyond broken bytes: audio-only files, unreadable files, awkward paths.

Each is recorded with its cause, the ingest goes on, and no variant holds a partial row.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import av
import numpy as np
import pytest

from vtr.errors import VideoDecodeError
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.video import read_frames
from vtr.warehouse.variants import list_variants

pytestmark = pytest.mark.faults

BACKBONE = "open_clip:vtr-tiny-vit:random"
NOBODY = 65534


def write_audio_only_mp4(path) -> None:
    """A valid MP4 with one AAC stream and no video stream."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("aac", rate=16000)
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 16000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_an_audio_only_file_says_it_has_no_video_stream(tmp_path):
    path = tmp_path / "voice over.mp4"
    write_audio_only_mp4(path)
    with pytest.raises(VideoDecodeError, match=r"voice over\.mp4.*no video stream"):
        read_frames(path, 4)


def _decode_as(uid: int, path) -> str:
    """read_frames in a forked child running as `uid` (root reads every file regardless)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.setuid(uid)
            read_frames(path, 4)
            message = "decoded"
        except Exception as err:  # noqa: BLE001
            message = f"{type(err).__name__}: {err}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    assert os.waitstatus_to_exitcode(status) == 0
    return message


@pytest.fixture
def open_folder():
    """A folder that another user can traverse (pytest's own tmp folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="vtr locked "))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_an_unreadable_file_names_the_permission_problem(open_folder, small_corpus):
    source = sorted((small_corpus.parent / "videos").glob("*.mp4"))[0]
    readable, locked = open_folder / "readable.mp4", open_folder / "locked.mp4"
    for path, mode in ((readable, 0o644), (locked, 0)):
        shutil.copy(source, path)
        path.chmod(mode)
    assert _decode_as(NOBODY, readable) == "decoded"
    message = _decode_as(NOBODY, locked)
    assert message.startswith("VideoDecodeError") and "permission denied" in message
    assert "locked.mp4" in message


AWKWARD = ["clip ü 'one'", "two; DROP TABLE videos; --", "три пробела", 'four"quoted"']


@pytest.mark.slow
def test_awkward_paths_and_an_audio_only_video(wh, tmp_path, small_corpus):
    """Unicode, spaces, quotes and semicolons in folder and file names all ingest; the
    audio-only video is recorded with its cause and has no row in any variant."""
    source = json.loads(small_corpus.read_text())
    keep = source["videos"][: len(AWKWARD) + 1]
    names = {v["video_id"]: new for v, new in zip(keep, [*AWKWARD, "silent ü"], strict=True)}
    root = tmp_path / "vidéos ü 'q' ; x"
    (root / "videos").mkdir(parents=True)
    for old, new in names.items():
        target = root / "videos" / f"{new}.mp4"
        if new == "silent ü":
            write_audio_only_mp4(target)
        else:
            shutil.copy(small_corpus.parent / "videos" / f"{old}.mp4", target)
    annotations = {
        **source,
        "videos": [{**v, "video_id": names[v["video_id"]]} for v in keep],
        "sentences": [
            {**s, "video_id": names[s["video_id"]]}
            for s in source["sentences"]
            if s["video_id"] in names
        ],
    }
    (root / "annotations.json").write_text(json.dumps(annotations), encoding="utf-8")
    register_dataset(wh, "awkward", root / "annotations.json", root / "videos")

    summary = ingest(wh, "awkward", [BACKBONE], [], frames=2, batch_size=2, workers=0,
                     show_progress=False)  # fmt: skip
    assert [(e["item_id"], e["stage"]) for e in summary.errors] == [("silent ü", "decode")]
    assert "no video stream" in summary.errors[0]["message"]
    for variant in list_variants(wh):
        ids, vectors = wh.vectors.read(variant["lance_table"], "awkward")
        assert sorted(ids) == sorted(AWKWARD) and np.isfinite(vectors).all()
