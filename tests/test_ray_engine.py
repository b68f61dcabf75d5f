"""`vtr ingest --engine ray` (a local `ray.init`) writes the local engine's tables exactly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from ingest_checks import by_id, done_marks, variant_rows

from vtr.errors import TapError, VtrError
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.ray_engine import RayVideoStage
from vtr.ingest.ray_runtime import raise_user_error
from vtr.warehouse import init_warehouse, open_warehouse

BACKBONE = "open_clip:vtr-tiny-vit:random"
DATASET = "synth"
TIMEOUT = 420
OPTIONS = {"frames": 2, "temporal": "mean,max", "layers": "-1", "poolings": "first,mean"}


def _vtr(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from vtr.cli import main; sys.argv[0] = 'vtr'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=TIMEOUT
    )


def _video_meta(root):
    with open_warehouse(root, read_only=True) as wh:
        return wh.con.execute(
            "SELECT video_id, fps, n_frames, width, height FROM videos "
            "WHERE dataset = ? ORDER BY video_id",
            [DATASET],
        ).fetchall()


def _errors(root):
    with open_warehouse(root, read_only=True) as wh:
        return wh.con.execute(
            "SELECT item_id, stage FROM ingest_errors ORDER BY item_id"
        ).fetchall()


@pytest.mark.slow
def test_ray_engine_writes_the_local_engines_tables(tmp_path, small_corpus):
    corpus = tmp_path / "corpus"
    shutil.copytree(small_corpus.parent, corpus)
    videos = sorted((corpus / "videos").glob("*.mp4"))
    videos[0].write_bytes(b"")  # a decode error, recorded per item by both engines
    videos[1].unlink()
    broken = sorted(v.stem for v in videos[:2])

    local, remote = tmp_path / "local", tmp_path / "ray"
    for root in (local, remote):
        with init_warehouse(root) as wh:
            register_dataset(wh, DATASET, corpus / "annotations.json", corpus / "videos")
    with open_warehouse(local) as wh:
        ingest(wh, DATASET, [BACKBONE], [BACKBONE], batch_size=4, workers=0,
               commit_every=5, show_progress=False, **OPTIONS)  # fmt: skip
    options = [f"--{key}={value}" for key, value in OPTIONS.items()]
    result = _vtr(
        "ingest", str(remote), "--dataset", DATASET,
        "--video-backbone", BACKBONE, "--text-backbone", BACKBONE, *options,
        "--engine", "ray", "--workers", "2", "--batch-size", "3", "--commit-every", "4",
        "--json",
    )  # fmt: skip
    assert result.returncode == 3, result.stderr  # some items failed
    summary = json.loads(result.stdout)
    assert summary["failed_items"] == 2

    expected, got = variant_rows(local, DATASET), variant_rows(remote, DATASET)
    # video: final x 2 temporal + L2 x 2 poolings x 2 temporal; text: final + L2 x 2 poolings
    assert sorted(got) == sorted(expected) and len(expected) == 2 + 2 * 2 + 1 + 2
    for variant_id, (ids, vectors) in expected.items():
        got_ids, got_vectors = by_id(*got[variant_id])
        want_ids, want_vectors = by_id(ids, vectors)
        assert got_ids == want_ids and len(set(got_ids)) == len(got_ids), variant_id
        assert got_vectors.dtype == np.float32
        np.testing.assert_allclose(got_vectors, want_vectors, rtol=1e-6, atol=1e-6)
        if variant_id.startswith("video/"):
            assert not set(broken) & set(got_ids)
    marks = done_marks(remote, DATASET)
    assert {v: set(ids) for v, (ids, _) in got.items()} == marks
    assert _video_meta(remote) == _video_meta(local)
    errors = _errors(local)
    assert _errors(remote) == errors and {(b, "decode") for b in broken} <= set(errors)


def test_actors_hold_one_gpu_each_else_a_fraction_of_a_cpu():
    stage = RayVideoStage()
    on_gpus = stage.placement({"CPU": 32.0, "GPU": 4.0}, None)
    assert on_gpus == {"size": 4, "num_gpus": 1, "num_cpus": None, "device": "cuda"}
    on_cpus = stage.placement({"CPU": 2.0}, None)
    assert on_cpus == {"size": 1, "num_gpus": 0, "num_cpus": 0.5, "device": "cpu"}
    assert stage.placement({"CPU": 2.0}, 2)["size"] == 2
    assert RayVideoStage(device="cpu").placement({"CPU": 8.0, "GPU": 1.0}, None)["device"] == "cpu"
    with pytest.raises(VtrError, match="no GPU"):
        RayVideoStage(device="cuda").placement({"CPU": 2.0}, None)
    with pytest.raises(VtrError, match="cpu or cuda"):
        RayVideoStage(device="cuda:1").placement({"CPU": 2.0, "GPU": 2.0}, None)


def test_an_actors_vtr_error_reaches_the_driver_unwrapped():
    wrapped = RuntimeError("ray task failed")
    wrapped.__cause__ = TapError("layer 40 does not exist")
    with pytest.raises(TapError, match="layer 40"):
        raise_user_error(wrapped)
    raise_user_error(RuntimeError("not ours"))  # anything else is left to the caller


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "spark"], "local or ray"),
        (["--address", "127.0.0.1:6379"], "needs --engine ray"),
        (["--engine", "ray", "--workers", "0"], "at least 1 actor"),
        (["--engine", "ray", "--clips", "2s"], "whole videos"),
    ],
)
def test_bad_engine_options_are_refused_before_anything_starts(tmp_path, args, message):
    from typer.testing import CliRunner

    from vtr.cli.app import app

    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--dataset", "d", *args])
    assert result.exit_code == 2 and message in result.output
