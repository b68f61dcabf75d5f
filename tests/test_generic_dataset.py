"""The generic annotation format (CSV / TSV / JSONL), detection by fields, and the checks
every format goes through: split names, empty captions, moment windows in the video."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import AnnotationError
from vtr.ingest.datasets import register_dataset, resolve_format

ROWS = [
    {"video_id": "v1", "caption": "a dog runs", "split": "train", "category": "animals"},
    {"video_id": "v1", "caption": "a dog plays", "split": "train", "category": "animals"},
    {"video_id": "v2", "caption": "a car drives", "split": "test", "category": "cars",
     "duration": 12.5},
    {"video_id": "v3", "caption": "rain falls", "caption_id": "r-1"},
]  # fmt: skip


def _csv(path: Path, rows: list[dict], sep: str = ",") -> Path:
    fields = ["video_id", "caption", "split", "category", "caption_id", "duration"]
    lines = [sep.join(fields)] + [sep.join(str(r.get(f, "")) for f in fields) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl"])
def test_generic_files_register_with_detection(wh, tmp_path, kind):
    path = tmp_path / f"ann.{kind}"
    if kind == "jsonl":
        _jsonl(path, ROWS)
    else:
        _csv(path, ROWS, "\t" if kind == "tsv" else ",")
    assert resolve_format(path) == "generic"
    summary = register_dataset(wh, "g", path, None)
    assert (summary["format"], summary["videos"], summary["captions"]) == ("generic", 3, 4)
    videos = dict(wh.con.execute("SELECT video_id, split FROM videos ORDER BY 1").fetchall())
    assert videos == {"v1": "train", "v2": "test", "v3": "test"}  # default split: test
    captions = [
        r[0] for r in wh.con.execute("SELECT caption_id FROM captions ORDER BY 1").fetchall()
    ]
    assert captions == ["r-1", "v1#0", "v1#1", "v2#0"]
    cats = wh.con.execute(
        "SELECT v.video_id, c.name FROM videos v JOIN categories c USING (dataset, category_id) "
        "ORDER BY 1"
    ).fetchall()
    assert cats == [("v1", "animals"), ("v2", "cars")]
    assert wh.con.execute("SELECT duration FROM videos WHERE video_id = 'v2'").fetchone()[0] == 12.5


def test_a_qvhighlights_and_a_1ka_file_are_still_told_apart(tmp_path):
    qv = _jsonl(tmp_path / "qv.jsonl", [{"qid": 1, "query": "q", "vid": "x", "duration": 10}])
    assert resolve_format(qv) == "qvhighlights"
    ka = tmp_path / "ka.csv"
    ka.write_text("key,vid_key,video_id,sentence\nret0,msr1,video1,a cat\n")
    assert resolve_format(ka) == "msrvtt-csv"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"video_id": "v1", "caption": "  "}], "the caption of video 'v1' is empty"),
        ([{"video_id": "v1", "caption": "a", "split": "train"},
          {"video_id": "v1", "caption": "b", "split": "test"}], "split 'test' here but 'train'"),
        ([{"video_id": "v1", "caption": "a", "duration": "long"}], "'duration' must be a positive"),
        ([{"video_id": "v1", "caption": "a", "caption_id": "c"},
          {"video_id": "v2", "caption": "b", "caption_id": "c"}], "caption id 'c' is used twice"),
        ([{"video_id": True, "caption": "a"}], "'video_id' must be a non-empty string"),
    ],
)  # fmt: skip
def test_bad_generic_rows_name_the_line(wh, tmp_path, rows, message):
    path = _jsonl(tmp_path / "bad.jsonl", [{"video_id": "ok", "caption": "fine"}, *rows])
    with pytest.raises(AnnotationError, match=message) as err:
        register_dataset(wh, "g", path, None, format="generic")
    assert "line " in str(err.value)
    assert wh.con.execute("SELECT count(*) FROM videos").fetchone()[0] == 0


def _msrvtt(path: Path, split: str, caption: str = "words") -> Path:
    data = {
        "videos": [{"video_id": "a", "split": split}, {"video_id": "b", "split": split}],
        "sentences": [{"video_id": "a", "caption": caption}, {"video_id": "b", "caption": "x"}],
    }
    path.write_text(json.dumps(data))
    return path


def test_unknown_split_names_are_refused_or_mapped(wh, tmp_path):
    path = _msrvtt(tmp_path / "ann.json", "Training")
    with pytest.raises(
        AnnotationError, match=r"2 video\(s\) have a split other than.*--split-map Training="
    ):
        register_dataset(wh, "m", path, None)
    summary = register_dataset(wh, "m", path, None, split_map={"Training": "train"})
    assert summary["videos"] == 2
    assert wh.con.execute("SELECT DISTINCT split FROM videos").fetchall() == [("train",)]
    runner = CliRunner()
    base = ["add-dataset", str(wh.root), "m2", "--annotations", str(path)]
    wh.close()
    refused = runner.invoke(app, base)
    assert refused.exit_code != 0 and "--split-map Training=" in refused.output
    mapped = runner.invoke(app, [*base, "--split-map", "Training=train", "--json"])
    assert mapped.exit_code == 0, mapped.output
    bad = runner.invoke(app, [*base, "--split-map", "Training"])
    assert bad.exit_code != 0 and "give NAME=train" in bad.output


def test_empty_captions_are_refused_in_every_format(wh, tmp_path):
    with pytest.raises(AnnotationError, match=r"1 caption\(s\) are empty, e\.g\. caption 'a#0'"):
        register_dataset(wh, "m", _msrvtt(tmp_path / "ann.json", "test", caption=""), None)


def test_a_moment_window_past_the_video_is_refused(wh, tmp_path):
    item = {"qid": 1, "query": "q", "vid": "x", "duration": 150, "relevant_windows": [[140, 9999]]}
    path = _jsonl(tmp_path / "highlight_val_release.jsonl", [item])
    with pytest.raises(
        AnnotationError, match=r"\[140, 9999\] lies outside the video's \[0, 150\] s"
    ):
        register_dataset(wh, "q", path, None)


def test_a_feature_only_generic_dataset_evaluates_from_imported_vectors(wh, tmp_path):
    from vtr.ingest.importers.run import import_embeddings
    from vtr.warehouse.evals import retrieval_metrics, run_eval

    path = _csv(
        tmp_path / "ann.csv", [{"video_id": f"v{i}", "caption": f"c {i}"} for i in range(5)]
    )
    register_dataset(wh, "g", path, None)
    rng = np.random.default_rng(0)
    for modality, names in (
        ("video", [f"v{i}" for i in range(5)]),
        ("text", [f"v{i}#0" for i in range(5)]),
    ):
        folder = tmp_path / modality
        folder.mkdir()
        for i, name in enumerate(names):
            np.save(
                folder / f"{name}.npy",
                np.eye(5, dtype=np.float32)[i] + 0.01 * rng.normal(size=5).astype(np.float32),
            )
        import_embeddings(wh, "g", modality, [folder], "npy", backbone="f")
    metrics = retrieval_metrics(
        wh,
        run_eval(
            wh, "g", "test", "text/import:f/final/embed", "video/import:f/final/embed/mean/1f"
        ),
    )
    assert metrics["t2v"]["R@1"] == 100.0 and metrics["v2t"]["R@1"] == 100.0


def test_the_docs_table_is_the_formats_own():
    from vtr.ingest import generic

    own = [line for line in generic.__doc__.splitlines() if line.startswith("|")]
    page = Path(__file__).resolve().parents[1] / "docs" / "bring-your-own-data.md"
    assert "\n".join(own) in page.read_text(encoding="utf-8")
    assert all(f"`{name}`" in "\n".join(own) for name in generic.FIELDS)
