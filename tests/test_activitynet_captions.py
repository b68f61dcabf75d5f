"""The `activitynet-captions` format: ActivityNet Captions JSON as videos, captions and
one-window moment queries; detected among the .json formats by its fields."""

from __future__ import annotations

import json

import pytest

from vtr.errors import AnnotationError
from vtr.ingest.datasets import load_annotations, register_dataset, resolve_format

DATA = {
    "v_alpha": {
        "duration": 20.0,
        "timestamps": [[0.5, 8.0], [7.0, 21.3]],
        "sentences": ["A man ties a rope.", " He climbs the wall. "],
    },
    "v_beta": {"duration": 12.5, "timestamps": [[1, 4]], "sentences": ["A dog runs."]},
}


def _write(tmp_path, data, name="val_1.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_rows_are_videos_captions_and_one_window_per_sentence(tmp_path):
    path = _write(tmp_path, DATA)
    assert resolve_format(path) == "activitynet-captions"
    rows = load_annotations(path, tmp_path / "videos")
    assert [v["video_id"] for v in rows.videos] == ["v_alpha", "v_beta"]
    assert [v["split"] for v in rows.videos] == ["val", "val"]
    assert [v["duration"] for v in rows.videos] == [20.0, 12.5]
    assert rows.videos[0]["path"] == str(tmp_path / "videos" / "v_alpha.mp4")
    texts = [(c["video_id"], c["text"], c["n_words"]) for c in rows.captions]
    assert texts == [("v_alpha", "A man ties a rope.", 5), ("v_alpha", "He climbs the wall.", 4),
                     ("v_beta", "A dog runs.", 3)]  # fmt: skip
    queries, windows = rows.moments.queries, rows.moments.windows
    assert [str(q["qid"]) for q in queries] == [c["caption_id"] for c in rows.captions]
    assert len({q["qid"] for q in queries}) == 3 and all(0 < q["qid"] < 2**63 for q in queries)
    spans = [(w["start_s"], w["end_s"]) for w in windows]
    assert spans == [(0.5, 8.0), (7.0, 20.0), (1.0, 4.0)]  # the second is cut at the video end


def test_ids_are_stable_across_files_and_msrvtt_json_is_still_msrvtt(tmp_path, small_corpus):
    first = load_annotations(_write(tmp_path, DATA, "train.json"), None)
    again = load_annotations(_write(tmp_path, DATA, "val_2.json"), None)
    assert [c["caption_id"] for c in first.captions] == [c["caption_id"] for c in again.captions]
    assert first.videos[0]["split"] == "train"
    assert resolve_format(small_corpus) == "msrvtt-json"


def test_register_writes_captions_and_moment_queries(wh, tmp_path):
    summary = register_dataset(wh, "anet", _write(tmp_path, DATA), None)
    assert (summary["format"], summary["videos"], summary["captions"]) == (
        "activitynet-captions", 2, 3)  # fmt: skip
    counts = wh.con.execute(
        "SELECT (SELECT count(*) FROM moment_queries WHERE dataset = 'anet'),"
        " (SELECT count(*) FROM moment_windows WHERE dataset = 'anet')"
    ).fetchone()
    assert counts == (3, 3)
    again = register_dataset(wh, "anet", _write(tmp_path, DATA), None)
    assert again["new_captions"] == 0 and again["new_videos"] == 0


@pytest.mark.parametrize(
    "item, match",
    [
        ({"duration": 5, "timestamps": [[0, 1]], "sentences": []}, "1 timestamps but 0 sent"),
        ({"duration": 5, "timestamps": [[3, 1]], "sentences": ["x"]}, r"timestamp 0 \[3, 1\]"),
        ({"duration": 5, "timestamps": [[6, 7]], "sentences": ["x"]}, "inside the video's"),
        ({"duration": -1, "timestamps": [], "sentences": []}, "'duration' must be a positive"),
        ({"duration": 5, "timestamps": [[0, 1]], "sentences": [3]}, "sentence 0 is not a str"),
    ],
)
def test_bad_items_name_the_file_the_video_and_the_cause(tmp_path, item, match):
    path = _write(tmp_path, {"v_bad": item})
    with pytest.raises(AnnotationError, match=f"video 'v_bad'.*{match}"):
        load_annotations(path, None, format="activitynet-captions")
