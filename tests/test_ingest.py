"""Ingest on real MP4s: variants written once, bad videos recorded, re-runs resume."""

import json
import shutil

import numpy as np
import pytest

from vtr.errors import TapError, VideoDecodeError
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.video import read_frames, sample_indices
from vtr.warehouse.variants import list_variants

VIDEO = "open_clip:vtr-tiny-vit:random"
TEXT = "open_clip:vtr-tiny-vit:random"
NAME = "synth 'ü'"


@pytest.fixture
def corpus(tmp_path, small_corpus):
    """A writable copy of the small corpus, so tests can break its files."""
    root = tmp_path / "corpus"
    shutil.copytree(small_corpus.parent, root)
    return root


def _break_videos(videos):
    files = sorted(videos.glob("*.mp4"))
    files[0].write_bytes(b"")  # zero bytes
    files[1].write_bytes(b"this is not a video at all")  # not a video
    data = files[2].read_bytes()
    files[2].write_bytes(data[: len(data) // 3])  # truncated
    files[3].unlink()  # missing
    return [f.stem for f in files[:4]]


def _rows(wh, variant_id):
    table = next(r["lance_table"] for r in list_variants(wh) if r["variant_id"] == variant_id)
    ids, vectors = wh.vectors.read(table, NAME)
    return ids, vectors


def test_sample_indices_cover_the_video_uniformly():
    assert sample_indices(24, 8).tolist() == [1, 4, 7, 10, 13, 16, 19, 22]
    assert sample_indices(3, 6).tolist() == [0, 0, 1, 1, 2, 2]


def test_read_frames_decodes_real_mp4(small_corpus):
    path = sorted((small_corpus.parent / "videos").glob("*.mp4"))[0]
    frames, meta = read_frames(path, 8)
    assert frames.shape[0] == 8 and frames.shape[-1] == 3 and frames.dtype == np.uint8
    assert meta.n_frames > 0 and meta.fps > 0


def test_read_frames_names_the_file_and_cause(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"garbage")
    with pytest.raises(VideoDecodeError, match="bad.mp4"):
        read_frames(bad, 4)
    with pytest.raises(VideoDecodeError, match="not found"):
        read_frames(tmp_path / "missing.mp4", 4)


def test_a_failing_layer_request_finishes_its_run_as_failed(wh, small_corpus, tmp_path):
    from tiny_models import save_bert, save_lm

    lm, bert = f"lm:{save_lm(tmp_path / 'lm')}", f"hf_text:{save_bert(tmp_path / 'bert')}"
    register_dataset(wh, NAME, small_corpus, small_corpus.parent / "videos")
    # the 4-block LM has layer 4 and writes it; the 3-block BERT has not
    with pytest.raises(TapError, match="layer 4 does not exist"):
        ingest(wh, NAME, [], [lm, bert], layers="4", poolings="mean", show_progress=False)
    run = wh.rows("runs/list")[-1]
    summary = json.loads(run["summary"])
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert summary["error"].startswith("TapError: layer 4 does not exist")
    n_captions = wh.con.execute("SELECT count(*) FROM captions WHERE dataset = ?", [NAME])
    assert [(v["variant_id"], v["written"]) for v in summary["variants"]] == [
        (f"text/{lm}/L4/mean", n_captions.fetchone()[0])
    ]
    with pytest.raises(TapError, match="layer 9 does not exist"):
        ingest(wh, NAME, [VIDEO], [], layers="9", show_progress=False)
    runs = wh.rows("runs/list")
    assert [r["status"] for r in runs if r["kind"] == "ingest"] == ["failed", "failed"]


@pytest.mark.slow
def test_ingest_records_bad_videos_and_resumes_without_duplicates(wh, corpus):
    broken = _break_videos(corpus / "videos")
    register_dataset(wh, NAME, corpus / "annotations.json", corpus / "videos")
    first = ingest(wh, NAME, [VIDEO], [TEXT], frames=4, batch_size=4, workers=0,
                   show_progress=False)  # fmt: skip
    assert sorted({e["item_id"] for e in first.errors}) == sorted(broken)
    assert {e["stage"] for e in first.errors} == {"decode"}
    video_result, text_result = first.variants
    assert video_result.written == 16 - 4 and video_result.failed == 4
    n_captions = wh.con.execute(
        "SELECT count(*) FROM captions WHERE dataset = ?", [NAME]
    ).fetchone()[0]
    assert text_result.written == n_captions

    ids, vectors = _rows(wh, video_result.variant_id)
    assert len(ids) == len(set(ids)) == 12 and vectors.shape == (12, 256)
    assert np.isfinite(vectors).all()

    # Repair one broken file, re-run: only the failed items are retried, nothing duplicated.
    shutil.copy(
        sorted((corpus / "videos").glob("*.mp4"))[-1], corpus / "videos" / f"{broken[0]}.mp4"
    )
    second = ingest(wh, NAME, [VIDEO], [TEXT], frames=4, batch_size=4, workers=0,
                    show_progress=False)  # fmt: skip
    assert second.variants[0].already_present == 12
    assert second.variants[0].written == 1 and second.variants[0].failed == 3
    assert second.variants[1].written == 0 and second.variants[1].already_present == n_captions
    ids, _ = _rows(wh, video_result.variant_id)
    assert len(ids) == len(set(ids)) == 13
    fps = wh.con.execute(
        "SELECT count(*) FROM videos WHERE dataset = ? AND fps > 0", [NAME]
    ).fetchone()[0]
    assert fps == 13


@pytest.mark.slow
def test_spawned_decoding_workers_give_the_serial_result(wh, corpus, tmp_path):
    from vtr.warehouse import init_warehouse

    register_dataset(wh, NAME, corpus / "annotations.json", corpus / "videos")
    summary = ingest(wh, NAME, [VIDEO], [], frames=4, batch_size=4, workers=2,
                     show_progress=False)  # fmt: skip
    assert summary.failed == 0 and summary.variants[0].written == 16
    again = ingest(wh, NAME, [VIDEO], [], frames=4, batch_size=4, workers=2, show_progress=False)
    assert again.variants[0].already_present == 16 and again.variants[0].written == 0

    with init_warehouse(tmp_path / "serial") as other:
        register_dataset(other, NAME, corpus / "annotations.json", corpus / "videos")
        ingest(other, NAME, [VIDEO], [], frames=4, batch_size=4, workers=0, show_progress=False)
        variant_id = summary.variants[0].variant_id
        parallel_ids, parallel = _rows(wh, variant_id)
        serial_ids, serial = _rows(other, variant_id)
    order = np.argsort(parallel_ids)
    assert sorted(parallel_ids) == sorted(serial_ids)
    np.testing.assert_allclose(parallel[order], serial[np.argsort(serial_ids)], atol=1e-5)
