"""Edited captions and replaced video files are embedded again, exactly those."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.warehouse.variants import get_variant

TINY = "open_clip:vtr-tiny-vit:random"
TEXTS = [TINY, "st:minilm"]


def _rows(wh, variant_id: str) -> dict[str, np.ndarray]:
    ids, matrix = wh.vectors.read(get_variant(wh, variant_id)["lance_table"], "d")
    assert len(ids) == len(set(ids))  # nothing duplicated
    return dict(zip(ids, matrix, strict=True))


@pytest.mark.slow
def test_an_edited_caption_and_a_replaced_video_are_embedded_again(wh, small_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(small_corpus.parent, corpus)
    annotations, videos = corpus / small_corpus.name, corpus / "videos"
    register_dataset(wh, "d", annotations, videos)
    first = ingest(wh, "d", [TINY], TEXTS, frames=2, workers=0, show_progress=False)
    variants = [v.variant_id for v in first.variants]
    before = {v: _rows(wh, v) for v in variants}

    data = json.loads(annotations.read_text())
    edited = data["sentences"][3]
    edited["caption"] = "a completely different caption about a purple square"
    annotations.write_text(json.dumps(data))
    changed_video = data["videos"][0]["video_id"]
    source = videos / f"{data['videos'][1]['video_id']}.mp4"
    shutil.copy(source, videos / f"{changed_video}.mp4")  # another file, another size/mtime

    summary = register_dataset(wh, "d", annotations, videos)
    caption_id = summary["changed_captions_examples"][0]
    assert summary["changed_captions"] == 1 and summary["changed_videos"] == 1
    assert summary["changed_videos_examples"] == [changed_video]
    again = ingest(wh, "d", [TINY], TEXTS, frames=2, workers=0, show_progress=False)
    assert {v.variant_id: v.written for v in again.variants} == {
        v: 1 for v in variants
    }  # exactly the edited caption in every text variant, the replaced video in video
    for variant in variants:
        after = _rows(wh, variant)
        redone = changed_video if variant.startswith("video/") else caption_id
        assert set(after) == set(before[variant])
        same = [i for i in after if i != redone]
        assert all(np.array_equal(after[i], before[variant][i]) for i in same)
        assert not np.allclose(after[redone], before[variant][redone])
    # the video now embeds like the file it was copied from
    video = next(v for v in variants if v.startswith("video/"))
    rows = _rows(wh, video)
    np.testing.assert_allclose(rows[changed_video], rows[data["videos"][1]["video_id"]], atol=1e-5)
    third = register_dataset(wh, "d", annotations, videos)
    assert third["changed_captions"] == third["changed_videos"] == 0


def test_a_warehouse_without_hashes_does_not_see_every_caption_as_edited(wh, small_corpus):
    register_dataset(wh, "d", small_corpus, small_corpus.parent / "videos")
    wh.con.execute("UPDATE captions SET text_hash = NULL")  # as an older warehouse
    wh.con.execute("UPDATE videos SET file_size = NULL, file_mtime = NULL")
    again = register_dataset(wh, "d", small_corpus, small_corpus.parent / "videos")
    assert again["changed_captions"] == 0 and again["changed_videos"] == 0
    missing = wh.con.execute("SELECT count(*) FROM captions WHERE text_hash IS NULL").fetchone()
    assert missing[0] == 0  # the hashes are kept from now on
