"""`vtr import` / `vtr export`: embedding files become ordinary variants, and go out again."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import ImportInputError
from vtr.ingest.datasets import register_dataset
from vtr.ingest.importers.export import export_variant
from vtr.ingest.importers.run import import_embeddings
from vtr.warehouse import init_warehouse, open_warehouse
from vtr.warehouse.evals import retrieval_metrics, run_eval
from vtr.warehouse.variants import get_variant

TINY = "open_clip:vtr-tiny-vit:random"
VIDEOS = [f"video{i}" for i in range(6)]
DIM = 8


def _annotations(path: Path, per_video: int = 2) -> Path:
    data = {
        "videos": [{"video_id": v, "split": "test"} for v in VIDEOS],
        "sentences": [
            {"video_id": v, "caption": f"caption {j} of {v}"}
            for j in range(per_video)
            for v in VIDEOS
        ],  # interleaved: a video's n-th caption is not its n-th row overall
    }
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def feature_wh(tmp_path):
    """A warehouse with a feature-only dataset: 6 videos, 2 captions each, no video files."""
    root = tmp_path / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "feat", _annotations(tmp_path / "ann.json"), None)
    return root


def _vectors(wh, variant_id, dataset="feat"):
    row = get_variant(wh, variant_id)
    ids, matrix = wh.vectors.read(row["lance_table"], dataset)
    return dict(zip(ids, matrix, strict=True))


def _npy_folder(folder: Path, names, dim=DIM, seed=0, shape=None) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for name in names:
        array = rng.normal(size=shape or (dim,)).astype(np.float32)
        np.save(folder / f"{name}.npy", array)
        out[name] = array
    return out


def test_per_video_npy_imports_as_a_variant_with_provenance(feature_wh, tmp_path):
    want = _npy_folder(tmp_path / "clip-h14", VIDEOS)
    with open_warehouse(feature_wh) as wh:
        result = import_embeddings(
            wh, "feat", "video", [tmp_path / "clip-h14"], "npy", backbone="clip-vit-h14"
        )
        assert result.variant_id == "video/import:clip-vit-h14/final/embed/mean/1f"
        assert result.written == 6 and result.files == 6
        got = _vectors(wh, result.variant_id)
        row = get_variant(wh, result.variant_id)
    assert all(np.array_equal(got[v], want[v]) for v in VIDEOS)
    config = json.loads(row["config"])
    assert config["format"] == "npy" and config["files"] == 6 and row["dim"] == DIM
    assert config["content_hash"].startswith("sha256:")
    assert config["source"] == [str((tmp_path / "clip-h14").resolve())]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, small_corpus):
    """A warehouse of the 16-video corpus with one ingested text and video variant."""
    from vtr.ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("imp") / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", small_corpus, small_corpus.parent / "videos")
        ingest(wh, "synth", [TINY], [TINY], frames=2, workers=0, show_progress=False)
    return root


def _eval_metrics(root: Path, text: str, video: str) -> dict:
    with open_warehouse(root) as wh:
        return retrieval_metrics(wh, run_eval(wh, "synth", None, text, video))


def test_seed_001_layout_round_trips_with_identical_eval_metrics(ingested, tmp_path):
    """Done-when: per-video <video_id>.npy and per-caption <video_id>-<n>.npy written from
    an ingested variant import as new variants that evaluate exactly like the original."""
    text, video = f"text/{TINY}/final/embed", f"video/{TINY}/final/embed/mean/2f"
    runner = CliRunner()
    for variant, out, extra in ((video, "videos", []), (text, "texts", ["--naming", "video-n"])):
        done = runner.invoke(app, ["export", str(ingested), variant, str(tmp_path / out), *extra])
        assert done.exit_code == 0, done.output
    names = sorted(p.name for p in (tmp_path / "texts").iterdir())
    assert "video0-1.npy" in names and not any(n.endswith("-0.npy") for n in names)
    for modality, out in (("video", "videos"), ("text", "texts")):
        args = ["import", str(ingested), str(tmp_path / out), "--dataset", "synth",
                "--modality", modality, "--format", "npy", "--backbone", "seed001",
                "--frames", "2"]  # fmt: skip
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
    new_text, new_video = (
        "text/import:seed001/final/embed",
        "video/import:seed001/final/embed/mean/2f",
    )
    with open_warehouse(ingested) as wh:
        for old, new in ((text, new_text), (video, new_video)):
            a, b = _vectors(wh, old, "synth"), _vectors(wh, new, "synth")
            assert a.keys() == b.keys()
            assert all(np.array_equal(a[k], b[k]) for k in a)
    want = _eval_metrics(ingested, text, video)
    got = _eval_metrics(ingested, new_text, new_video)
    assert got == want
