"""One run lifecycle: every kind of run ends `failed` with its error when it raises."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vtr.warehouse.runs import run_lifecycle


def _last_run(wh) -> dict:
    """The newest run, once every run has ended: no row may stay `running`."""
    rows = wh.rows("runs/list")
    assert [row["run_id"] for row in rows if row["status"] == "running"] == []
    row = rows[-1]
    return {**row, "summary": json.loads(row["summary"] or "{}")}


def test_the_lifecycle_finishes_every_way(wh):
    with run_lifecycle(wh, "probe", {"a": 1}) as run:
        run.summary = {"n": 3}
    assert (_last_run(wh)["status"], _last_run(wh)["summary"]) == ("ok", {"n": 3})
    with run_lifecycle(wh, "probe", {}) as run:
        run.status = "failed_items"
    assert _last_run(wh)["status"] == "failed_items"
    for error in (ValueError("bad value"), KeyboardInterrupt()):
        with pytest.raises(type(error)), run_lifecycle(wh, "probe", {}) as run:
            run.summary = {"kept": 2}
            raise error
        last = _last_run(wh)
        assert last["status"] == "failed" and last["finished_at"] is not None
        assert last["summary"]["kept"] == 2
        assert last["summary"]["error"] == f"{type(error).__name__}: {error}".rstrip(": ")
    with pytest.raises(RuntimeError), run_lifecycle(wh, "probe", {}) as run:
        run.finish("interrupted", {"committed": 4})
        raise RuntimeError("after finishing")
    assert _last_run(wh)["status"] == "interrupted"  # finished once, by the work itself


def test_on_interrupt_ends_a_ctrl_c_run_interrupted_with_what_it_kept(wh):
    def kept(run):
        run.summary = {**run.summary, "committed": 3}
        return RuntimeError("stopped: 3 kept")

    ctrl_c = KeyboardInterrupt()
    with (
        pytest.raises(RuntimeError, match="3 kept"),
        run_lifecycle(wh, "probe", {}, on_interrupt=kept) as run,
    ):
        run.summary = {"n": 1}
        raise RuntimeError("Query interrupted") from ctrl_c  # as DuckDB says it
    last = _last_run(wh)
    assert (last["status"], last["summary"]) == ("interrupted", {"n": 1, "committed": 3})
    with pytest.raises(ValueError), run_lifecycle(wh, "probe", {}, on_interrupt=kept):
        raise ValueError("not a Ctrl-C")
    assert _last_run(wh)["status"] == "failed"

    def broken(run):
        raise OSError("cannot count")

    with pytest.raises(OSError), run_lifecycle(wh, "probe", {}, on_interrupt=broken):
        raise KeyboardInterrupt
    assert _last_run(wh)["status"] == "interrupted"


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def _ended_failed(wh, kind: str, error: str = "RuntimeError: boom") -> dict:
    """The newest run, checked: a `kind` run that ended `failed` with `error`."""
    last = _last_run(wh)
    assert (last["kind"], last["status"], last["summary"].get("error")) == (kind, "failed", error)
    assert last["finished_at"] is not None
    return last


def test_train_runs_end_failed(wh, monkeypatch):
    from vtr.models import train

    monkeypatch.setattr(train, "_check", lambda wh, config: None)
    monkeypatch.setattr(train, "_train", _boom)
    with pytest.raises(RuntimeError, match="boom"):
        train.train(wh, train.TrainConfig("d", "text/x/final/embed", "video/y/final/embed"))
    _ended_failed(wh, "train")


def test_moment_training_runs_end_failed(wh, monkeypatch, tmp_path):
    from vtr.models import moment_train

    monkeypatch.setattr(moment_train, "load_samples", lambda *a, **k: [object()])
    monkeypatch.setattr(moment_train, "fit_head", _boom)
    with pytest.raises(RuntimeError):
        moment_train.train_moments(wh, "m", "video/v", "text/t", tmp_path / "head.pt")
    _ended_failed(wh, "train-moments")


def test_step_training_runs_end_failed(wh, monkeypatch):
    from types import SimpleNamespace

    from vtr.models import step_train

    video = SimpleNamespace(steps=np.zeros((2, 4)), chunks=np.zeros((3, 4)))
    monkeypatch.setattr(step_train, "load_step_videos", lambda *a, **k: [video])
    monkeypatch.setattr(step_train, "fit_plainly", _boom)
    with pytest.raises(RuntimeError):
        step_train.train_steps(wh, "s", "text/t", "video/v", epochs=1)
    _ended_failed(wh, "train-steps")


def test_clip_ingest_runs_end_failed(wh, monkeypatch, tmp_path):
    from vtr.ingest import clips
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.synthetic_moments import generate_moments_corpus

    corpus = generate_moments_corpus(tmp_path / "c", 3, seed=0)
    register_dataset(wh, "m", corpus / "highlight_train_release.jsonl", corpus / "videos")
    monkeypatch.setattr(clips, "load_video_encoder", _boom)
    with pytest.raises(RuntimeError):
        clips.ingest_clips(wh, "m", ["open_clip:vtr-tiny-vit:random"], [], show_progress=False)
    _ended_failed(wh, "ingest-clips")


def test_import_and_clip_import_runs_end_failed(wh, monkeypatch, tmp_path):
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.importers import clips as clip_importer
    from vtr.ingest.importers import run as importer

    annotations = tmp_path / "ann.json"
    annotations.write_text(
        json.dumps(
            {
                "videos": [{"video_id": "a", "split": "test"}],
                "sentences": [{"video_id": "a", "caption": "words"}],
            }
        )
    )
    register_dataset(wh, "f", annotations, None)
    (tmp_path / "feats").mkdir()
    np.save(tmp_path / "feats" / "a.npy", np.ones(4, np.float32))
    monkeypatch.setattr(importer, "_commit", _boom)
    with pytest.raises(RuntimeError):
        importer.import_embeddings(wh, "f", "video", [tmp_path / "feats"], "npy", backbone="x")
    _ended_failed(wh, "import")
    (tmp_path / "clips").mkdir()
    np.savez(tmp_path / "clips" / "a.npz", features=np.ones((3, 4), np.float32))
    monkeypatch.setattr(clip_importer, "_write", _boom)
    with pytest.raises(RuntimeError):
        clip_importer.import_clip_features(wh, "f", [tmp_path / "clips"], 2.0, "c", "video-files")
    _ended_failed(wh, "import-clips")


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.fixture
def corpus_wh(wh, small_corpus):
    from vtr.ingest.datasets import register_dataset

    register_dataset(wh, "s", small_corpus, small_corpus.parent / "videos")
    return wh


def test_ingest_runs_end_failed_with_the_items_kept(corpus_wh, monkeypatch):
    from vtr.ingest import pipeline

    monkeypatch.setattr(pipeline, "load_video_encoder", _boom)
    with pytest.raises(RuntimeError, match="boom"):
        pipeline.ingest(corpus_wh, "s", ["open_clip:vtr-tiny-vit:random"], [], show_progress=False)
    last = _ended_failed(corpus_wh, "ingest")
    assert last["summary"]["failed_items"] == 0  # the summary of what it did stays


def test_a_ctrl_c_ends_an_ingest_interrupted(corpus_wh, monkeypatch):
    from vtr.errors import IngestInterrupted
    from vtr.ingest import pipeline

    monkeypatch.setattr(pipeline, "load_text_encoder", _interrupt)
    with pytest.raises(IngestInterrupted, match=r"interrupted: run \d+ committed no items"):
        pipeline.ingest(corpus_wh, "s", [], ["open_clip:vtr-tiny-vit:random"], show_progress=False)
    last = _last_run(corpus_wh)
    assert (last["kind"], last["status"]) == ("ingest", "interrupted")
    assert last["summary"]["committed_items"] == {}


def test_a_ctrl_c_elsewhere_ends_the_run_failed(wh, monkeypatch):
    from vtr.models import train

    monkeypatch.setattr(train, "_check", lambda wh, config: None)
    monkeypatch.setattr(train, "_train", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        train.train(wh, train.TrainConfig("d", "text/x/final/embed", "video/y/final/embed"))
    _ended_failed(wh, "train", "KeyboardInterrupt")


def test_register_runs_end_failed_and_write_nothing(wh, monkeypatch, small_corpus):
    from vtr.ingest import datasets

    monkeypatch.setattr(datasets, "drop_changed_items", _boom)
    with pytest.raises(RuntimeError, match="boom"):
        datasets.register_dataset(wh, "s", small_corpus, small_corpus.parent / "videos")
    _ended_failed(wh, "register")
    assert wh.rows("datasets/list") == []  # the catalog write was rolled back


def test_fuse_runs_end_failed(tiny, monkeypatch):
    from tiny import DIM, VIDEO

    from vtr.ingest import fusion
    from vtr.warehouse import open_warehouse
    from vtr.warehouse.variants import Variant, register_variant

    root, data = tiny
    other = Variant("video", "test:other", temporal="mean", frames=4)
    with open_warehouse(root) as wh:
        register_variant(wh, other, DIM)
        ids = list(data["video_ids"])
        wh.vectors.append(other.lance_table, "tiny", ids, np.ones((len(ids), DIM), np.float32))
        monkeypatch.setattr(fusion, "_fuse", _boom)
        with pytest.raises(RuntimeError, match="boom"):
            fusion.fuse_variants(wh, "tiny", [VIDEO.id, other.id], "mix", "sum", None)
        _ended_failed(wh, "fuse")


def test_index_builds_are_runs_that_end_failed(wh, monkeypatch):
    from vtr.warehouse import ann
    from vtr.warehouse.variants import Variant, register_variant

    variant = Variant("video", "test:video", temporal="mean", frames=4)
    register_variant(wh, variant, 8)
    ids = [f"v{i}" for i in range(300)]
    vectors = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    wh.vectors.append(variant.lance_table, "d", ids, vectors)
    ann.build_index(wh, variant.id)
    last = _last_run(wh)
    assert (last["kind"], last["status"]) == ("index", "ok")
    assert last["summary"]["n_rows"] == 300
    monkeypatch.setattr(ann, "_build", _boom)
    with pytest.raises(RuntimeError, match="boom"):
        ann.build_index(wh, variant.id, index_type="IVF_PQ")
    last = _ended_failed(wh, "index")
