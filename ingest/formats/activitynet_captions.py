"""ActivityNet Captions (`train.json`, `val_1.json`, `val_2.json`): dense video captions.

    {"v_QOlSCBRmfWY": {"duration": 82.73, "timestamps": [[0.83, 19.86], ...],
                       "sentences": ["A young woman is seen standing ...", ...]}, ...}

Every video id becomes a video (`<video_id>.mp4` in --videos, its split from the file
name: train, val or test), every sentence a caption of it and a moment query whose one
relevant window is its timestamp pair, so the same registration serves paragraph-free
text-video retrieval and moment retrieval (`vtr eval`, `vtr metrics moments`). A window
reaching past the video (the published files have a few) is cut at its end.

A query's id is stable across files: a hash of video id, timestamps and sentence, so the
train and both val files can be registered into one dataset without colliding.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vtr.errors import AnnotationError
from vtr.registry import FORMATS

SNIFF_BYTES = 65536


def sniff(path: Path) -> bool:
    """A JSON object whose first value holds `timestamps` and `sentences`."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(SNIFF_BYTES)
    except (OSError, UnicodeDecodeError):
        return False
    return head.lstrip().startswith("{") and '"timestamps"' in head and '"sentences"' in head


def query_id(video_id: str, window: list[float], sentence: str) -> int:
    """A stable 56-bit id of one annotation (an int64 `qid`)."""
    key = json.dumps([video_id, window, sentence]).encode()
    return int.from_bytes(hashlib.sha1(key).digest()[:7], "big")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _item(path: Path, video_id: str, item: Any) -> tuple[float, list[list[float]], list[str]]:
    where = f"{path}: video {video_id!r}"
    if not isinstance(item, dict):
        raise AnnotationError(f"{where} is not an object with duration, timestamps, sentences")
    duration, stamps, sentences = (item.get(k) for k in ("duration", "timestamps", "sentences"))
    if not _number(duration) or duration <= 0:
        raise AnnotationError(f"{where}: 'duration' must be a positive number, not {duration!r}")
    if not isinstance(stamps, list) or not isinstance(sentences, list):
        raise AnnotationError(f"{where}: 'timestamps' and 'sentences' must be lists")
    if len(stamps) != len(sentences):
        raise AnnotationError(f"{where}: {len(stamps)} timestamps but {len(sentences)} sentences")
    for i, (stamp, sentence) in enumerate(zip(stamps, sentences, strict=True)):
        if not isinstance(sentence, str):
            raise AnnotationError(f"{where}: sentence {i} is not a string")
        ok = isinstance(stamp, list) and len(stamp) == 2 and all(map(_number, stamp))
        if not ok or stamp[0] > stamp[1] or stamp[0] > duration or stamp[1] < 0:
            raise AnnotationError(
                f"{where}: timestamp {i} {stamp!r} is not [start, end] with start <= end "
                f"inside the video's [0, {duration:g}] s"
            )
    return float(duration), stamps, sentences


@FORMATS.register(
    "activitynet-captions",
    help="ActivityNet Captions JSON {video_id: {duration, timestamps, sentences}}: a caption "
    "and a one-window moment query per sentence",
    extensions=(".json",),
    sniff=sniff,
)
def load(path: Path, video_dir: Path | None):
    from vtr.ingest.datasets import DatasetRows, _caption, _video
    from vtr.ingest.moments import MomentRows, split_from_name

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise AnnotationError(f"cannot read annotations {path}: {err.strerror or err}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AnnotationError(f"{path} is not readable UTF-8 JSON: {err}") from None
    if not isinstance(data, dict) or not data:
        raise AnnotationError(f"{path}: expected an object of video ids, as ActivityNet ships")
    split = split_from_name(path)
    moments = MomentRows()
    rows = DatasetRows(format="activitynet-captions", moments=moments)
    seen: set[int] = set()
    for video_id, item in data.items():
        duration, stamps, sentences = _item(path, video_id, item)
        video = _video(video_id, video_dir, split=split, duration=duration)
        rows.videos.append(video)
        for stamp, sentence in zip(stamps, sentences, strict=True):
            qid = query_id(video_id, stamp, sentence)
            if qid in seen:  # the same sentence at the same time: one annotation
                continue
            seen.add(qid)
            text = sentence.strip()
            rows.captions.append(_caption(str(qid), video, text))
            moments.queries.append(
                {"qid": qid, "query": text, "video_id": video_id, "duration": duration,
                 "split": split}
            )  # fmt: skip
            start, end = max(0.0, float(stamp[0])), min(duration, float(stamp[1]))
            moments.windows.append({"qid": qid, "window_idx": 0, "start_s": start, "end_s": end})
    return rows
