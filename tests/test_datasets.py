"""Dataset loaders on real files (the 1k-A CSV, MSR-VTT JSON) and registration in a catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from vtr.cli import synth_cmds
from vtr.errors import AnnotationError, UnknownDataset
from vtr.ingest.datasets import (
    MSRVTT_CATEGORIES,
    get_dataset,
    list_datasets,
    load_annotations,
    load_msrvtt_csv,
    load_msrvtt_json,
    register_dataset,
)
from vtr.ingest.synthetic import generate_retrieval_corpus
from vtr.warehouse.runs import start_run

CSV_1KA = Path("/work/shared/data/msrvtt/MSRVTT_JSFUSION_test.csv")
AWKWARD = "o'brien ünï set"

OFFICIAL = {
    "info": {"year": 2016},
    "videos": [
        {"category": 9, "url": "u", "video_id": "video0", "start time": 137.72,
         "end time": 149.44, "split": "train", "id": 0},
        {"category": 16, "url": "u", "video_id": "video1", "start time": 184.33,
         "end time": 206.89, "split": "validate", "id": 1},
        {"category": 4, "url": "u", "video_id": "video2", "split": "test", "id": 2},
    ],
    "sentences": [
        {"caption": "a car is shown", "video_id": "video0", "sen_id": 0},
        {"caption": "people  cooking   food", "video_id": "video1", "sen_id": 1},
        {"caption": "a news report", "video_id": "video2"},
        {"caption": "politicians talk", "video_id": "video2"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A writable 12-video synthetic corpus; returns its annotations path."""
    return generate_retrieval_corpus(tmp_path_factory.mktemp("corpus"), n_videos=12, seed=1)


def _write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _count(wh, table: str, dataset: str) -> int:
    sql = {"videos": "SELECT count(*) FROM videos WHERE dataset = ?",
           "captions": "SELECT count(*) FROM captions WHERE dataset = ?",
           "categories": "SELECT count(*) FROM categories WHERE dataset = ?",
           "errors": "SELECT count(*) FROM ingest_errors WHERE dataset = ?"}[table]  # fmt: skip
    return wh.con.execute(sql, [dataset]).fetchone()[0]


def test_official_json_without_categories_uses_the_msrvtt_names(tmp_path):
    rows = load_msrvtt_json(_write_json(tmp_path / "train_val.json", OFFICIAL), tmp_path / "v")
    assert [c["name"] for c in rows.categories] == list(MSRVTT_CATEGORIES)
    assert rows.categories[9] == {"category_id": 9, "name": "vehicles/autos"}
    assert [v["split"] for v in rows.videos] == ["train", "val", "test"]
    assert rows.videos[0]["duration"] == pytest.approx(149.44 - 137.72)
    assert rows.videos[2]["duration"] is None and rows.videos[2]["n_frames"] is None
    assert rows.videos[1]["path"] == str(tmp_path / "v" / "video1.mp4")
    assert [c["caption_id"] for c in rows.captions] == ["0", "1", "video2#0", "video2#1"]
    assert rows.captions[1]["n_words"] == 3 and rows.captions[1]["split"] == "val"
    assert load_msrvtt_json(tmp_path / "train_val.json", None).videos[0]["path"] is None


def test_synthetic_json_loads_with_its_own_categories(corpus):
    rows = load_annotations(corpus, corpus.parent / "videos")
    assert rows.format == "msrvtt-json" and len(rows.videos) == 12
    assert len(rows.categories) == 20 and rows.categories[0]["name"] == "circle / horizontal motion"
    assert {v["split"] for v in rows.videos} == {"train", "val", "test"}
    assert all(Path(v["path"]).is_file() and v["duration"] == 2.0 for v in rows.videos)
    assert {c["split"] for c in rows.captions} == {"train", "val", "test"}


def test_real_1ka_csv_gives_1000_test_videos_with_one_caption_each():
    rows = load_annotations(CSV_1KA, None)
    assert rows.format == "msrvtt-csv"
    assert len(rows.videos) == len(rows.captions) == 1000
    assert {v["split"] for v in rows.videos} == {"test"} == {c["split"] for c in rows.captions}
    first = rows.captions[0]
    assert first["caption_id"] == "ret0" and first["video_id"] == "video9770"
    assert first["text"] == "a person is connecting something to system"
    assert first["n_words"] == 7 and rows.categories == []
    assert load_msrvtt_csv(CSV_1KA, Path("vids")).videos[0]["path"] == "vids/video9770.mp4"


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("bad.json", '{"videos": [', r"bad\.json is not valid JSON"),
        ("list.json", "[1, 2]", "expected a JSON object"),
        ("nosent.json", '{"videos": []}', "missing list 'sentences'"),
        ("noid.json", '{"videos": [{"split": "train"}], "sentences": []}', r"videos\[0\] has no"),
        (
            "orphan.json",
            '{"videos": [{"video_id": "v1"}], "sentences": [{"caption": "a", "video_id": "v1"},'
            '{"caption": "b", "video_id": "v9"}]}',
            r"sentences\[1\] refers to unknown video 'v9'",
        ),
        (
            "dup.json",
            '{"videos": [{"video_id": "v1"}, {"video_id": "v1"}], "sentences": []}',
            r"videos\[1\] repeats video_id 'v1'",
        ),
        ("cols.csv", "key,vid_key,sentence\nret0,msr1,hello\n", "missing column.*video_id"),
        ("dupkey.csv", "key,video_id,sentence\nk,v1,a\nk,v2,b\n", "line 3 repeats key 'k'"),
        ("data.txt", "whatever", r"data\.txt.*msrvtt-csv, msrvtt-json"),
    ],
)
def test_malformed_files_name_the_file_and_the_offending_item(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnnotationError, match=match):
        load_annotations(path, None)


def test_explicit_formats_and_missing_files(tmp_path):
    renamed = tmp_path / "test_1ka.txt"
    shutil.copy(CSV_1KA, renamed)
    assert len(load_annotations(renamed, None, format="msrvtt-csv").captions) == 1000
    with pytest.raises(AnnotationError, match="unknown annotation format 'goalstep'"):
        load_annotations(renamed, None, format="goalstep")
    with pytest.raises(AnnotationError, match="annotations file not found: .*nope.json"):
        load_annotations(tmp_path / "nope.json", None)


def test_register_is_idempotent_with_an_awkward_name(wh, corpus):
    videos = corpus.parent / "videos"
    first = register_dataset(wh, AWKWARD, corpus, videos)
    assert first == {
        "dataset": AWKWARD, "format": "msrvtt-json", "videos": 12, "captions": 84,
        "categories": 20, "missing_videos": 0, "new_videos": 12, "new_captions": 84,
        "changed_captions": 0, "changed_captions_examples": [], "changed_videos": 0,
        "changed_videos_examples": [], "run_id": first["run_id"],
    }  # fmt: skip
    second = register_dataset(wh, AWKWARD, corpus, videos)
    assert second["new_videos"] == 0 and second["new_captions"] == 0
    assert second["changed_captions"] == 0 and second["changed_videos"] == 0
    assert second["run_id"] != first["run_id"]
    counts = [_count(wh, t, AWKWARD) for t in ("videos", "captions", "categories", "errors")]
    assert counts == [12, 84, 20, 0]
    row = get_dataset(wh, AWKWARD)
    assert row["format"] == "msrvtt-json" and row["video_root"] == str(videos.resolve())
    assert (row["n_videos"], row["n_captions"], row["n_categories"]) == (12, 84, 20)
    runs = wh.con.execute("SELECT kind, status FROM runs ORDER BY run_id").fetchall()
    assert runs == [("register", "ok"), ("register", "ok")]


def test_reregistering_keeps_what_the_decoder_measured(wh, corpus):
    register_dataset(wh, "d", corpus, corpus.parent / "videos")
    meta = {"dataset": "d", "video_id": "video3", "fps": 12.0, "n_frames": 24, "width": 64,
            "height": 64, "duration": 2.0}  # fmt: skip
    wh.sql("ingest/update_video_meta", meta)
    register_dataset(wh, "d", corpus, None)
    fps, n_frames, path = wh.con.execute(
        "SELECT fps, n_frames, path FROM videos WHERE dataset = 'd' AND video_id = 'video3'"
    ).fetchone()
    assert (fps, n_frames) == (12.0, 24) and path.endswith("video3.mp4")


def test_missing_videos_are_recorded_once_per_run(wh, corpus, tmp_path):
    videos = tmp_path / "videos"
    shutil.copytree(corpus.parent / "videos", videos)
    (videos / "video4.mp4").unlink()
    (videos / "video7.mp4").unlink()
    run_id = start_run(wh, "ingest", {"why": "test"})
    summary = register_dataset(wh, "gaps", corpus, videos, run_id=run_id)
    again = register_dataset(wh, "gaps", corpus, videos, run_id=run_id)
    assert summary["missing_videos"] == again["missing_videos"] == 2
    assert summary["run_id"] == again["run_id"] == run_id
    errors = wh.rows("errors/list", {"run_id": run_id})
    assert [(e["item_id"], e["stage"], e["dataset"]) for e in errors] == [
        ("video4", "load", "gaps"),
        ("video7", "load", "gaps"),
    ]
    assert errors[0]["message"] == f"video file not found: {videos.resolve() / 'video4.mp4'}"
    assert _count(wh, "videos", "gaps") == 12  # still listed: the decoder reports them later
    own = register_dataset(wh, "gaps", corpus, videos)
    assert own["run_id"] != run_id and len(wh.rows("errors/list", {"run_id": own["run_id"]})) == 2
    assert wh.rows("runs/list")[-1]["status"] == "failed_items"


def test_a_bad_file_writes_nothing(wh, tmp_path):
    broken = _write_json(tmp_path / "b.json", {**OFFICIAL, "sentences": [{"video_id": "video0"}]})
    with pytest.raises(AnnotationError, match=r"sentences\[0\] has no 'caption'"):
        register_dataset(wh, "broken", broken, None)
    assert list_datasets(wh) == [] and wh.rows("runs/list") == []


def test_csv_and_json_datasets_side_by_side_and_unknown_names(wh, tmp_path):
    register_dataset(wh, "msrvtt 1k-A", CSV_1KA, None)
    register_dataset(wh, AWKWARD, _write_json(tmp_path / "o.json", OFFICIAL), None)
    assert [d["dataset"] for d in list_datasets(wh)] == ["msrvtt 1k-A", AWKWARD]
    assert [d["n_videos"] for d in list_datasets(wh)] == [1000, 3]
    assert _count(wh, "categories", AWKWARD) == 20
    with pytest.raises(UnknownDataset, match="unknown dataset 'msrvtt'.*'msrvtt 1k-A'"):
        get_dataset(wh, "msrvtt")


def test_cli_add_dataset_prints_the_summary_and_reports_errors(wh, corpus):
    app = typer.Typer()
    synth_cmds.register(app)
    runner = CliRunner()
    root = str(wh.root)
    wh.close()
    args = ["add-dataset", root, AWKWARD, "--annotations", str(corpus)]
    result = runner.invoke(app, [*args, "--videos", str(corpus.parent / "videos")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["captions"] == 84
    bad = runner.invoke(app, ["add-dataset", root, "x", "--annotations", str(corpus.parent)])
    assert bad.exit_code == 1 and "cannot tell the format" in " ".join(bad.output.split())
    unknown = runner.invoke(app, [*args, "--format", "nope"])
    message = " ".join(unknown.output.split())  # rich wraps long lines
    assert unknown.exit_code == 1 and "known: " in message
    assert "msrvtt-json" in message and "msrvtt-csv" in message
    assert "Examples" in runner.invoke(app, ["add-dataset", "--help"]).output
