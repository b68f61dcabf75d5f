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


def _import(root, sources, modality="video", **options):
    with open_warehouse(root) as wh:
        return import_embeddings(wh, "feat", modality, sources, **options)


def _state(root) -> tuple[list, int]:
    """(variant ids, done marks): what an import that failed must leave unchanged."""
    with open_warehouse(root, read_only=True) as wh:
        variants = [r[0] for r in wh.con.execute("SELECT variant_id FROM variants").fetchall()]
        marks = wh.con.execute("SELECT count(*) FROM ingest_done").fetchone()[0]
    return variants, marks


def _fails(root, sources, match, modality="video", **options):
    before = _state(root)
    with pytest.raises(ImportInputError, match=match):
        _import(root, sources, modality, **options)
    assert _state(root) == before  # nothing half-imported


def test_a_rerun_is_a_no_op_and_new_files_add_only_their_items(feature_wh, tmp_path):
    first = _npy_folder(tmp_path / "f", VIDEOS[:4])
    result = _import(feature_wh, [tmp_path / "f"], format="npy", backbone="b")
    assert (result.written, result.already_present) == (4, 0)
    again = _import(feature_wh, [tmp_path / "f"], format="npy", backbone="b")
    assert (again.written, again.already_present) == (0, 4)
    more = _npy_folder(tmp_path / "g", VIDEOS[4:], seed=1)
    for name in VIDEOS[:4]:  # the old files again, next to the new ones
        np.save(tmp_path / "g" / f"{name}.npy", first[name])
    added = _import(feature_wh, [tmp_path / "g"], format="npy", backbone="b")
    assert (added.written, added.already_present) == (2, 4)
    with open_warehouse(feature_wh) as wh:
        got = _vectors(wh, result.variant_id)
        config = json.loads(get_variant(wh, result.variant_id)["config"])
    assert len(got) == 6 and all(np.array_equal(got[v], {**first, **more}[v]) for v in VIDEOS)
    assert [entry["items"] for entry in config["imports"]] == [4, 2]


def test_dims_that_differ_between_files_name_both_files(feature_wh, tmp_path):
    _npy_folder(tmp_path / "f", VIDEOS[:3])
    np.save(tmp_path / "f" / "video5.npy", np.ones(DIM + 1, np.float32))
    _fails(feature_wh, [tmp_path / "f"], r"video5\.npy: dim 9, but .*video0\.npy has dim 8")


def test_nan_or_inf_is_refused_naming_the_file(feature_wh, tmp_path):
    _npy_folder(tmp_path / "f", VIDEOS)
    bad = np.ones(DIM, np.float32)
    bad[3] = np.inf
    np.save(tmp_path / "f" / "video4.npy", bad)
    _fails(feature_wh, [tmp_path / "f"], r"video4\.npy: 1 vector\(s\) hold NaN or Inf")


def test_ids_not_in_the_dataset_are_counted_and_skipped_with_allow_extra(feature_wh, tmp_path):
    _npy_folder(tmp_path / "f", [*VIDEOS, "stranger1", "stranger2"])
    _fails(
        feature_wh, [tmp_path / "f"], r"2 id\(s\) are not video items .*'stranger1'.*--allow-extra"
    )
    result = _import(feature_wh, [tmp_path / "f"], allow_extra=True)
    assert (result.written, result.skipped_extra) == (6, 2)


def test_duplicate_ids_are_refused(feature_wh, tmp_path):
    _npy_folder(tmp_path / "a", VIDEOS)
    _npy_folder(tmp_path / "b", VIDEOS[:1])
    _fails(feature_wh, [tmp_path / "a", tmp_path / "b"], r"item 'video0' .* is also in")
    # a caption named by its id and by <video_id>-<n> is the same item
    with open_warehouse(feature_wh) as wh:
        first = wh.con.execute(
            "SELECT caption_id FROM captions WHERE video_id = 'video2' ORDER BY caption_id"
        ).fetchone()[0]
    _npy_folder(tmp_path / "t", [first, "video2-1"])
    _fails(feature_wh, [tmp_path / "t"], r"is also in", modality="text")


def test_unreadable_and_pickled_files_are_refused(feature_wh, tmp_path):
    _npy_folder(tmp_path / "f", VIDEOS[:2])
    (tmp_path / "f" / "video3.npy").write_bytes(b"not numpy at all")
    _fails(feature_wh, [tmp_path / "f"], r"video3\.npy: not a readable \.npy file")
    (tmp_path / "f" / "video3.npy").unlink()
    np.save(tmp_path / "f" / "video3.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _fails(feature_wh, [tmp_path / "f"], r"video3\.npy: holds pickled Python objects")


def test_pt_needs_allow_pickle(feature_wh, tmp_path):
    import torch

    folder = tmp_path / "pt"
    folder.mkdir()
    want = {v: torch.randn(DIM) for v in VIDEOS}
    for name, tensor in want.items():
        torch.save({"emb": tensor}, folder / f"{name}.pt")
    _fails(feature_wh, [folder], r"video0\.pt: \.pt/\.pth files are Python pickles", format="pt")
    result = _import(feature_wh, [folder], format="pt", allow_pickle=True, key="emb")
    with open_warehouse(feature_wh) as wh:
        got = _vectors(wh, result.variant_id)
    assert all(np.array_equal(got[v], want[v].numpy()) for v in VIDEOS)


def test_npz_key_wrong_or_missing(feature_wh, tmp_path):
    folder = tmp_path / "z"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for v in VIDEOS:
        np.savez(folder / f"{v}.npz", features=rng.normal(size=(3, DIM)), other=np.zeros(2))
    _fails(feature_wh, [folder], r"video0\.npz: no array 'feats' .*features, other", key="feats")
    _fails(feature_wh, [folder], r"video0\.npz: holds several arrays .*--key")
    result = _import(feature_wh, [folder], key="features", temporal="max")
    assert result.variant_id.endswith("/max/3f") and result.written == 6


def test_2d_files_become_seq_variants_or_are_pooled(feature_wh, tmp_path):
    frames = _npy_folder(tmp_path / "s", VIDEOS, shape=(4, DIM))
    seq = _import(feature_wh, [tmp_path / "s"], backbone="s", temporal="seq")
    mean = _import(feature_wh, [tmp_path / "s"], backbone="s", temporal="mean")
    assert seq.variant_id == "video/import:s/final/embed/seq/4f"
    from vtr.models.data import load_vectors

    with open_warehouse(feature_wh) as wh:
        loaded = load_vectors(wh, seq.variant_id, "feat")
        row = get_variant(wh, seq.variant_id)
        pooled = _vectors(wh, mean.variant_id)
    assert json.loads(row["config"])["seq_len"] == 4 and row["dim"] == DIM
    by_id = dict(zip(loaded.ids.to_pylist(), loaded.matrix.numpy(), strict=True))
    assert all(np.array_equal(by_id[v], frames[v]) for v in VIDEOS)
    assert all(np.allclose(pooled[v], frames[v].mean(axis=0)) for v in VIDEOS)
    np.save(tmp_path / "s" / "video0.npy", np.ones((5, DIM), np.float32))
    _fails(feature_wh, [tmp_path / "s"], r"a sequence of .*give --frames N", backbone="t")
    ragged = _import(feature_wh, [tmp_path / "s"], backbone="t", frames=8)
    assert ragged.variant_id.endswith("/mean/8f") and ragged.written == 6


def _table(rng, ids, fixed: bool) -> pa.Table:
    matrix = rng.normal(size=(len(ids), DIM)).astype(np.float32)
    if fixed:
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), DIM)
    else:
        vectors = pa.array(list(matrix), pa.list_(pa.float32()))
    return pa.table({"video_id": ids, "emb": vectors, "note": ["x"] * len(ids)})


@pytest.mark.parametrize("fixed", [False, True])
@pytest.mark.parametrize("kind", ["parquet", "arrow", "lance"])
def test_tables_with_id_and_vector_columns(feature_wh, tmp_path, kind, fixed):
    table = _table(np.random.default_rng(2), VIDEOS, fixed)
    if kind == "parquet":
        source = tmp_path / "v.parquet"
        pq.write_table(table, source)
    elif kind == "arrow":
        import pyarrow.feather as feather

        source = tmp_path / "v.arrow"
        feather.write_feather(table, source, compression="uncompressed")
    else:
        import lance

        source = tmp_path / "v.lance"
        lance.write_dataset(table, str(source))
    result = _import(feature_wh, [source], format="auto", id_column="video_id")
    assert result.written == 6 and result.variant_id == "video/import:v/final/embed/mean/1f"
    with open_warehouse(feature_wh) as wh:
        got = _vectors(wh, result.variant_id)
    want = table.column("emb").combine_chunks().flatten().to_numpy().reshape(6, DIM)
    assert all(np.array_equal(got[v], want[i]) for i, v in enumerate(VIDEOS))


def test_table_errors_name_the_file_and_column(feature_wh, tmp_path):
    source = tmp_path / "v.parquet"
    pq.write_table(_table(np.random.default_rng(0), VIDEOS, False), source)
    _fails(feature_wh, [source], r"v\.parquet: no id column 'vid'", id_column="vid")
    ragged = pa.table({"id": ["video0", "video1"], "vector": [[1.0, 2.0], [1.0]]})
    pq.write_table(ragged, tmp_path / "r.parquet")
    _fails(feature_wh, [tmp_path / "r.parquet"], r"r\.parquet: vectors of different dims")
    (tmp_path / "bad.parquet").write_text("no parquet")
    _fails(feature_wh, [tmp_path / "bad.parquet"], r"bad\.parquet: not a readable parquet file")


def test_clip_retrieval_folders_for_videos_and_texts(feature_wh, tmp_path):
    root = tmp_path / "embeddings"
    rng = np.random.default_rng(4)
    with open_warehouse(feature_wh) as wh:
        captions = [r[0] for r in wh.con.execute("SELECT caption_id FROM captions").fetchall()]
    texts = tmp_path / "text-embeddings"
    for top, part, ids, column in (
        (root, "img_emb", VIDEOS, "image_path"),
        (texts, "text_emb", captions, "id"),
    ):
        (top / part).mkdir(parents=True)
        (top / "metadata").mkdir()
        halves = [ids[: len(ids) // 2], ids[len(ids) // 2 :]]
        for n, half in enumerate(halves):
            np.save(top / part / f"{part}_{n}.npy", rng.normal(size=(len(half), DIM)).astype("f4"))
            values = [f"/data/frames/{i}.jpg" for i in half] if column == "image_path" else half
            pq.write_table(pa.table({column: values}), top / "metadata" / f"metadata_{n}.parquet")
    video = _import(feature_wh, [root], format="auto", backbone="cr")
    text = _import(feature_wh, [texts], modality="text", backbone="cr")
    assert (video.written, text.written) == (6, 12) and video.files == 2
    with open_warehouse(feature_wh) as wh:
        got = _vectors(wh, video.variant_id)
    first = np.load(root / "img_emb" / "img_emb_0.npy")
    assert np.array_equal(got["video1"], first[1])
    with open_warehouse(feature_wh) as wh:
        assert retrieval_metrics(wh, run_eval(wh, "feat", None, text.variant_id, video.variant_id))
    np.save(root / "img_emb" / "img_emb_1.npy", np.zeros((2, DIM), "f4"))
    _fails(
        feature_wh, [root], r"img_emb_1\.npy: 2 rows but .*metadata_1\.parquet has 3", backbone="x"
    )


@pytest.mark.parametrize("fmt", ["npy", "npz", "parquet"])
def test_export_then_import_is_bit_identical_also_for_seq(feature_wh, tmp_path, fmt):
    _npy_folder(tmp_path / "s", VIDEOS, shape=(3, DIM))
    _npy_folder(tmp_path / "t", [f"{v}-{n}" for v in VIDEOS for n in (1, 2)], seed=5)
    seq = _import(feature_wh, [tmp_path / "s"], backbone="orig", temporal="seq")
    text = _import(feature_wh, [tmp_path / "t"], modality="text", backbone="orig")
    for result, modality in ((seq, "video"), (text, "text")):
        out = tmp_path / f"out-{modality}" / (f"x.{fmt}" if fmt == "parquet" else "x")
        with open_warehouse(feature_wh) as wh:
            summary = export_variant(wh, result.variant_id, out, fmt)
        assert summary["items"] == (6 if modality == "video" else 12)
        again = _import(feature_wh, [out], modality, format=fmt, backbone="back", temporal="seq")
        with open_warehouse(feature_wh) as wh:
            a, b = _vectors(wh, result.variant_id), _vectors(wh, again.variant_id)
            if modality == "video":
                assert get_variant(wh, again.variant_id)["config"].count('"seq_len": 3')
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_export_refuses_a_non_empty_target_and_leaves_nothing(feature_wh, tmp_path):
    _npy_folder(tmp_path / "f", VIDEOS)
    result = _import(feature_wh, [tmp_path / "f"])
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with open_warehouse(feature_wh) as wh, pytest.raises(ImportInputError, match="not empty"):
        export_variant(wh, result.variant_id, tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".busy")]


def test_cli_errors_are_one_line_and_variants_show_provenance(feature_wh, tmp_path):
    _npy_folder(tmp_path / "f", VIDEOS)
    runner = CliRunner()
    args = ["import", str(feature_wh), str(tmp_path / "f"), "--dataset", "feat", "--modality"]
    bad = runner.invoke(app, [*args, "video", "--format", "npz"])
    assert bad.exit_code == 1 and "error:" in bad.output and "Traceback" not in bad.output
    ok = runner.invoke(app, [*args, "video", "--backbone", "clip-vit-h14", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["written"] == 6
    listing = runner.invoke(app, ["variants", str(feature_wh), "--json"])
    row = next(r for r in json.loads(listing.stdout) if "clip-vit-h14" in r["variant_id"])
    assert row["source"] == f"npy: {(tmp_path / 'f').resolve()} (6 files)"
