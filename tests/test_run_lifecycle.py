"""One run lifecycle: every kind of run ends `failed` with its error when it raises."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vtr.warehouse.runs import run_lifecycle


def _last_run(wh) -> dict:
    row = wh.rows("runs/list")[-1]
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


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_train_runs_end_failed(wh, monkeypatch):
    from vtr.models import train

    monkeypatch.setattr(train, "_check", lambda wh, config: None)
    monkeypatch.setattr(train, "_train", _boom)
    with pytest.raises(RuntimeError, match="boom"):
        train.train(wh, train.TrainConfig("d", "text/x/final/embed", "video/y/final/embed"))
    assert (_last_run(wh)["kind"], _last_run(wh)["status"]) == ("train", "failed")
    assert _last_run(wh)["summary"]["error"] == "RuntimeError: boom"


def test_moment_training_runs_end_failed(wh, monkeypatch, tmp_path):
    from vtr.models import moment_train

    monkeypatch.setattr(moment_train, "load_samples", lambda *a, **k: [object()])
    monkeypatch.setattr(moment_train, "fit_head", _boom)
    with pytest.raises(RuntimeError):
        moment_train.train_moments(wh, "m", "video/v", "text/t", tmp_path / "head.pt")
    assert (_last_run(wh)["kind"], _last_run(wh)["status"]) == ("train-moments", "failed")


def test_step_training_runs_end_failed(wh, monkeypatch):
    from types import SimpleNamespace

    from vtr.models import step_train

    video = SimpleNamespace(steps=np.zeros((2, 4)), chunks=np.zeros((3, 4)))
    monkeypatch.setattr(step_train, "load_step_videos", lambda *a, **k: [video])
    monkeypatch.setattr(step_train, "fit_plainly", _boom)
    with pytest.raises(RuntimeError):
        step_train.train_steps(wh, "s", "text/t", "video/v", epochs=1)
    assert (_last_run(wh)["kind"], _last_run(wh)["status"]) == ("train-steps", "failed")


def test_clip_ingest_runs_end_failed(wh, monkeypatch, tmp_path):
    from vtr.ingest import clips
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.synthetic_moments import generate_moments_corpus

    corpus = generate_moments_corpus(tmp_path / "c", 3, seed=0)
    register_dataset(wh, "m", corpus / "highlight_train_release.jsonl", corpus / "videos")
    monkeypatch.setattr(clips, "load_video_encoder", _boom)
    with pytest.raises(RuntimeError):
        clips.ingest_clips(wh, "m", ["open_clip:vtr-tiny-vit:random"], [], show_progress=False)
    assert (_last_run(wh)["kind"], _last_run(wh)["status"]) == ("ingest-clips", "failed")


def test_import_runs_end_failed(wh, monkeypatch, tmp_path):
    from vtr.ingest.datasets import register_dataset
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
    assert (_last_run(wh)["kind"], _last_run(wh)["status"]) == ("import", "failed")
