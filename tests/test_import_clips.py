"""Clip features from files: a Moment-DETR-layout folder trains and predicts moments like
the same vectors from the warehouse; a seed-003 chunk layout runs `vtr predict steps`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import ImportInputError
from vtr.ingest.importers.clips import import_clip_features
from vtr.warehouse import open_warehouse
from vtr.warehouse.variants import get_variant

TINY = "open_clip:vtr-tiny-vit:random"
CLIPS = f"video/{TINY}/final/embed/clip2s-mean/2f"
MINILM = "text/st:minilm/final/embed"
IMPORTED = "video/import:sf+clip/final/embed/clip2s-import/1f"
QUERIES = "text/import:qfeat/final/embed"
pytestmark = pytest.mark.slow


def _run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


@pytest.fixture(scope="module")
def moments_wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("clipimp")
    corpus, wh = root / "corpus", root / "wh"
    _run("synth", "moments", corpus, "--videos", 6, "--seed", 1)
    _run("init", wh)
    for split in ("train", "val", "test"):
        _run("add-dataset", wh, "m", "--videos", corpus / "videos",
             "--annotations", corpus / f"highlight_{split}_release.jsonl")  # fmt: skip
    _run("ingest", wh, "--dataset", "m", "--clips", "2s", "--video-backbone", TINY,
         "--text-backbone", "st:minilm")  # fmt: skip
    return root, wh


def _clip_vectors(wh, variant_id):
    with open_warehouse(wh, read_only=True) as ro:
        table = get_variant(ro, variant_id)["lance_table"]
        ids, matrix = ro.vectors.read(table, "m")
        rows = ro.rows("moments/clip_sequences", {"dataset": "m", "split": None})
    return dict(zip(ids, matrix, strict=True)), rows


def test_a_moment_detr_folder_trains_and_predicts_like_the_warehouse_vectors(moments_wh):
    root, wh = moments_wh
    vectors, rows = _clip_vectors(wh, CLIPS)
    by_video: dict[str, list[str]] = {}
    for row in rows:
        by_video.setdefault(row["video_id"], [])
        if row["item_id"] not in by_video[row["video_id"]]:
            by_video[row["video_id"]].append(row["item_id"])
    half = next(iter(vectors.values())).shape[0] // 2
    for name, part in (("slowfast", slice(0, half)), ("clip", slice(half, None))):
        folder = root / name
        folder.mkdir()
        for video, items in by_video.items():
            np.savez(folder / f"{video}.npz", features=np.stack([vectors[i][part] for i in items]))
    queries, _ = _clip_vectors(wh, MINILM)
    (root / "qfeat").mkdir()
    qids = sorted({row["qid"] for row in rows})
    for qid in qids:
        np.savez(root / "qfeat" / f"qid{qid}.npz", pooler_output=queries[str(qid)],
                 last_hidden_state=np.zeros((3, 4)))  # fmt: skip
    out = json.loads(_run("import", wh, root / "slowfast", root / "clip", "--dataset", "m",
                          "--modality", "video", "--clips", "2s", "--backbone", "sf+clip",
                          "--no-normalize", "--json"))  # fmt: skip
    assert out["variant_id"] == IMPORTED and out["videos"] == len(by_video)
    _run("import", wh, root / "qfeat", "--dataset", "m", "--modality", "text", "--format", "npz",
         "--key", "pooler_output", "--backbone", "qfeat")  # fmt: skip
    imported, _ = _clip_vectors(wh, IMPORTED)
    assert all(np.array_equal(imported[i], vectors[i]) for i in imported)
    metrics = {}
    for label, (video, text) in {
        "warehouse": (CLIPS, MINILM),
        "files": (IMPORTED, QUERIES),
    }.items():
        head = root / f"{label}.pt"
        torch.manual_seed(0)
        _run("train", "moments", wh, "--dataset", "m", "--video-variant", video,
             "--text-variant", text, "--out", head, "--epochs", 3, "--seed", 0)  # fmt: skip
        predicted = _run("predict", "moments", wh, "--dataset", "m", "--split", "val",
                         "--video-variant", video, "--text-variant", text, "--checkpoint", head,
                         "--json")  # fmt: skip
        metrics[label] = json.loads(predicted)["metrics"]
    assert metrics["files"] == metrics["warehouse"]
    again = json.loads(_run("import", wh, root / "slowfast", root / "clip", "--dataset", "m",
                            "--modality", "video", "--clips", "2s", "--backbone", "sf+clip",
                            "--no-normalize", "--json"))  # fmt: skip
    assert again["written"] == 0 and again["already_present"] == len(by_video)


def test_clip_export_round_trips_bit_identical(moments_wh):
    root, wh = moments_wh
    out = root / "exported"
    _run("export", wh, CLIPS, out, "--format", "clips")
    assert sorted(p.suffix for p in out.iterdir()) == [".npz"] * 6
    result = json.loads(_run("import", wh, out, "--dataset", "m", "--modality", "video",
                             "--clips", "2s", "--backbone", "roundtrip", "--no-normalize",
                             "--json"))  # fmt: skip
    original, _ = _clip_vectors(wh, CLIPS)
    back, _ = _clip_vectors(wh, result["variant_id"])
    assert back.keys() == original.keys()
    assert all(np.array_equal(back[i], original[i]) for i in original)
    refused = CliRunner().invoke(
        app, ["export", str(wh), MINILM, str(root / "x"), "--format", "clips"]
    )
    assert refused.exit_code != 0 and "exports clip-level variants" in refused.output


def test_feature_sets_are_normalised_and_truncated_like_moment_detr(moments_wh, tmp_path):
    root, wh = moments_wh
    _, rows = _clip_vectors(wh, CLIPS)
    video = rows[0]["video_id"]
    n = len({r["clip_idx"] for r in rows if r["video_id"] == video})
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n + 2, 4)), rng.normal(size=(n, 3))  # a is 2 clips longer
    for name, array in (("a", a), ("b", b)):
        (tmp_path / name).mkdir()
        np.savez(tmp_path / name / f"{video}.npz", features=array)
    with open_warehouse(wh) as rw:
        result = import_clip_features(rw, "m", [tmp_path / "a", tmp_path / "b"], 2.0, "ab")
        assert result.truncated == {video: 2}
        ids, got = rw.vectors.read(get_variant(rw, result.variant_id)["lance_table"], "m")
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    want = np.concatenate([unit(a)[:n], unit(b)], axis=1)
    np.testing.assert_allclose(got[np.argsort(ids)], want, atol=1e-6)


def test_bad_clip_files_are_refused(moments_wh, tmp_path):
    _, wh = moments_wh
    _, rows = _clip_vectors(wh, CLIPS)
    video = rows[0]["video_id"]
    n = len({r["clip_idx"] for r in rows if r["video_id"] == video})
    cases = {
        "wrong count": ({video: np.ones((n + 1, 4))}, f"already has {n} clips of 2 s"),
        "nan": ({video: np.full((n, 4), np.nan)}, "NaN or Inf"),
        "extra": ({"nope": np.ones((n, 4))}, "1 video id\\(s\\) are not videos"),
    }
    with open_warehouse(wh) as rw:
        for name, (files, message) in cases.items():
            folder = tmp_path / name.replace(" ", "_")
            folder.mkdir()
            for vid, array in files.items():
                np.savez(folder / f"{vid}.npz", features=array)
            with pytest.raises(ImportInputError, match=message):
                import_clip_features(rw, "m", [folder], 2.0, name.replace(" ", "-"))
        (tmp_path / "chunks" / video).mkdir(parents=True)
        for i in (0, 2):
            np.save(tmp_path / "chunks" / video / f"chunk_{i}.npy", np.ones(4, np.float32))
        with pytest.raises(ImportInputError, match=r"chunks \[1\] are missing"):
            import_clip_features(rw, "m", [tmp_path / "chunks"], 2.0, "gap")


def test_a_seed_003_chunk_layout_runs_predict_steps(tmp_path):
    corpus, wh = tmp_path / "corpus", tmp_path / "wh"
    _run("synth", "steps", corpus, "--videos", 6, "--seed", 2)
    _run("init", wh)
    for split in ("train", "val", "test"):
        _run("add-dataset", wh, "steps", "--annotations", corpus / f"steps_{split}.jsonl",
             "--videos", corpus / "videos")  # fmt: skip
    _run("ingest", wh, "--dataset", "steps", "--clips", "2s", "--frames-per-clip", 4,
         "--video-backbone", TINY, "--text-backbone", TINY)  # fmt: skip
    chunks_variant = f"video/{TINY}/final/embed/clip2s-mean/4f"
    vectors, _ = _clip_vectors_of(wh, "steps", chunks_variant)
    folder = tmp_path / "chunk_feats"
    for item, vector in vectors.items():
        video, clip = item.rsplit("@", 1)
        (folder / video).mkdir(parents=True, exist_ok=True)
        torch.save(torch.from_numpy(vector), folder / video / f"chunk_{int(clip)}.pt")
    args = ["--modality", "video", "--clips", "2s", "--backbone", "ego", "--allow-pickle"]
    out = json.loads(_run("import", wh, folder, "--dataset", "steps", *args, "--json"))
    text = f"text/{TINY}/final/embed"
    preds = {}
    for label, video in (("warehouse", chunks_variant), ("files", out["variant_id"])):
        path = tmp_path / f"{label}.jsonl"
        _run("predict", "steps", wh, "--dataset", "steps", "--method", "dp",
             "--text-variant", text, "--video-variant", video, "--out", path)  # fmt: skip
        preds[label] = path.read_text()
    assert preds["files"] == preds["warehouse"] and preds["files"]


def _clip_vectors_of(wh, dataset, variant_id):
    with open_warehouse(wh, read_only=True) as ro:
        ids, matrix = ro.vectors.read(get_variant(ro, variant_id)["lance_table"], dataset)
    return dict(zip(ids, matrix, strict=True)), None
