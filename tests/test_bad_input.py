"""Bad input gets one clear error, before anything is loaded, registered or written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import CatalogBusy, EvalInputError, IngestOptionError, TapError, TrainInputError
from vtr.warehouse import init_warehouse, open_warehouse

TINY = "open_clip:vtr-tiny-vit:random"


def _cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _said(result) -> str:
    """stdout and stderr as one line (rich wraps long messages)."""
    return " ".join(result.output.split())


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.fixture
def wh_dir(tmp_path, small_corpus):
    """A warehouse folder holding the 16-video corpus as dataset 'synth' (nothing embedded)."""
    from vtr.ingest.datasets import register_dataset

    root = tmp_path / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", small_corpus, small_corpus.parent / "videos")
    return root


def _runs(root) -> list[dict]:
    with open_warehouse(root, read_only=True) as wh:
        return wh.rows("runs/list")


def _variants(root) -> list[str]:
    from vtr.warehouse.variants import list_variants

    with open_warehouse(root, read_only=True) as wh:
        return [v["variant_id"] for v in list_variants(wh)]


# 1. init on a file


def test_init_on_an_existing_file_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    result = _cli("init", path)
    _no_traceback(result)
    assert result.exit_code == 1 and "is a file, not a folder" in _said(result)
    assert path.read_text() == "keep me"
    below = _cli("init", path / "wh")  # a parent that is a file
    _no_traceback(below)
    assert below.exit_code == 1 and "cannot create the warehouse folder" in _said(below)


# 2. --batch-size 0, --epochs 0


@pytest.mark.parametrize(
    "args",
    [
        ("ingest", "--batch-size", "0"),
        ("ingest", "--frames", "0"),
        ("train", "--epochs", "0"),
        ("train", "--batch-size", "0"),
    ],
)
def test_zero_counts_are_refused_by_the_cli_before_a_run_row(wh_dir, args):
    command, *option = args
    common = {
        "ingest": ["--dataset", "synth", "--video-backbone", TINY],
        "train": ["--dataset", "synth", "--text-variant", "t", "--video-variant", "v"],
    }[command]
    result = _cli(command, wh_dir, *common, *option)
    _no_traceback(result)
    assert result.exit_code == 2 and option[0] in _said(result)
    assert "greater than or equal to 1" in _said(result)
    assert [r["kind"] for r in _runs(wh_dir)] == ["register"]


def test_train_api_refuses_zero_epochs_without_a_run_row(trained_wh):
    from vtr.models.train import TrainConfig, train

    with open_warehouse(trained_wh) as wh:
        before = len(wh.rows("runs/list"))
        text, video = _train_variants(wh)
        for bad in ({"epochs": 0}, {"batch_size": 0}):
            with pytest.raises(TrainInputError, match="must be at least 1"):
                train(
                    wh, TrainConfig(dataset="synth", text_variant=text, video_variant=video, **bad)
                )
        assert len(wh.rows("runs/list")) == before


# 3. --frames 0 registers nothing


def test_zero_frames_registers_no_variant_and_no_run(wh_dir):
    from vtr.ingest.pipeline import ingest

    with open_warehouse(wh_dir) as wh:
        for bad in ({"frames": 0}, {"batch_size": 0}, {"frames": -3}):
            with pytest.raises(IngestOptionError, match="must be a whole number of at least 1"):
                ingest(wh, "synth", [TINY], [], workers=0, show_progress=False, **bad)
    assert _variants(wh_dir) == []
    assert [r["kind"] for r in _runs(wh_dir)] == ["register"]


# 4. no backbone


def test_ingest_without_a_backbone_is_an_error_naming_the_options(wh_dir):
    result = _cli("ingest", wh_dir, "--dataset", "synth")
    _no_traceback(result)
    said = _said(result)
    assert result.exit_code == 1
    assert "--video-backbone" in said and "--text-backbone" in said
    assert [r["kind"] for r in _runs(wh_dir)] == ["register"]


def test_register_only_says_nothing_was_embedded(tmp_path, small_corpus):
    root = tmp_path / "wh"
    init_warehouse(root).close()
    result = _cli("ingest", root, "--dataset", "s", "--annotations", small_corpus,
                  "--videos", small_corpus.parent / "videos")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "nothing embedded" in _said(result) and "--video-backbone" in _said(result)


# 5. --videos /nonexistent


def test_missing_videos_folder_is_one_immediate_error(tmp_path, small_corpus):
    root = tmp_path / "wh"
    init_warehouse(root).close()
    missing = tmp_path / "no such videos"
    start = time.perf_counter()
    result = _cli("ingest", root, "--dataset", "s", "--annotations", small_corpus,
                  "--videos", missing, "--video-backbone", TINY)  # fmt: skip
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"--videos {missing}: no such folder" in _said(result)
    assert "video file not found" not in result.output
    assert time.perf_counter() - start < 5
    with open_warehouse(root, read_only=True) as wh:
        assert (
            wh.rows("runs/list") == []
            and wh.con.execute("SELECT count(*) FROM videos").fetchone()[0] == 0
        )
    a_file = tmp_path / "a file"
    a_file.write_text("")
    result = _cli("ingest", root, "--dataset", "s", "--videos", a_file, "--text-backbone", TINY)
    assert result.exit_code == 1 and "not a folder" in _said(result)


# 6. train on a dataset without a train (or val) split


def _train_variants(wh) -> tuple[str, str]:
    from vtr.warehouse.variants import list_variants

    ids = [v["variant_id"] for v in list_variants(wh)]
    text = next(i for i in ids if i.startswith("text/"))
    video = next(i for i in ids if i.startswith("video/") and i.endswith("/mean/4f"))
    return text, video


def test_train_names_the_empty_splits(trained_wh):
    from vtr.models.train import TrainConfig, train

    with open_warehouse(trained_wh) as wh:
        text, video = _train_variants(wh)
        before = len(wh.rows("runs/list"))
        splits = wh.con.execute("SELECT video_id, split FROM videos").fetchall()
        wh.con.execute("UPDATE videos SET split = 'test' WHERE split = 'train'")
        try:
            config = TrainConfig(dataset="synth", text_variant=text, video_variant=video)
            with pytest.raises(TrainInputError, match=r"in split\(s\) train;") as err:
                train(wh, config)
            assert "test (" in str(err.value) and "val (" in str(err.value)
            wh.con.execute("UPDATE videos SET split = 'test' WHERE split = 'val'")
            with pytest.raises(TrainInputError, match=r"in split\(s\) train, val;"):
                train(wh, config)
        finally:  # the module's other tests use the warehouse's real splits
            wh.con.executemany(
                "UPDATE videos SET split = ? WHERE video_id = ?", [(s, v) for v, s in splits]
            )
        assert len(wh.rows("runs/list")) == before


# 7. vtr index on too few rows


def test_index_on_too_few_rows_states_the_rule(trained_wh):
    from vtr.warehouse.ann import build_index

    with open_warehouse(trained_wh) as wh:
        text, _ = _train_variants(wh)
        with pytest.raises(EvalInputError, match="at least 256 rows and at least 2 rows per"):
            build_index(wh, text)
        with pytest.raises(EvalInputError, match="so at least 400 rows"):
            build_index(wh, text, num_partitions=200)


def test_the_docs_state_the_index_rule():
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "scale-out.md").read_text()
    assert "at least 256 rows,\n  and at least 2 rows per partition" in page


# 8. what holds the catalog

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def hold(tmp_path):
    root = tmp_path / "held wh"
    init_warehouse(root).close()
    procs = []

    def start(mode: str):
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(root / "catalog.duckdb"), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout.readline().strip() == "holding"
        return proc

    yield root, start
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_read_only_holder_is_named_as_such(hold):
    root, start = hold
    proc = start("ro")
    with pytest.raises(CatalogBusy) as err:
        open_warehouse(root, wait=0)
    message = str(err.value)
    assert f"catalog busy (held by PID {proc.pid})" in message
    assert "is open read-only in process" in message and "`duckdb -readonly` shell" in message
    assert "catalog.duckdb ro`" in message  # the holder's command line
    assert "open for writing" not in message and "`vtr ingest` committing" not in message
    with open_warehouse(root, read_only=True):  # readers share the file
        pass


def test_a_writing_holder_is_named_as_such(hold):
    root, start = hold
    proc = start("rw")
    for read_only in (False, True):
        with pytest.raises(CatalogBusy) as err:
            open_warehouse(root, read_only=read_only, wait=0)
        assert f"held by PID {proc.pid}" in str(err.value)
        assert "is open for writing in process" in str(err.value)
        assert "catalog.duckdb rw`" in str(err.value)


def test_an_unknown_holder_is_not_guessed(tmp_path):
    from vtr.warehouse.lock_holder import busy_message

    message = busy_message(tmp_path / "catalog.duckdb", None, read_only=False)
    assert "held by another process" in message and "not known here" in message
    assert "open for writing" not in message and "read-only in" not in message


# 9. a bad backbone spec fails before torch is imported

NO_TORCH = """
import sys, time
from typer.testing import CliRunner
from vtr.cli.app import app
result = CliRunner().invoke(app, sys.argv[1:])
print(result.exit_code, "torch" in sys.modules, "transformers" in sys.modules)
print(" ".join(result.output.split()))
"""


@pytest.mark.parametrize(
    "spec, message",
    [
        ("--video-backbone=nosuch:x", "cannot read backbone spec 'nosuch:x'"),
        ("--video-backbone=open_clip:ViT-B-32", "open_clip spec needs weights"),
        ("--video-backbone=st:minilm", "backbone family 'st' has no video tower"),
        ("--text-backbone=nocolon", "cannot read backbone spec 'nocolon'"),
    ],
)
def test_bad_backbone_spec_fails_without_importing_torch(wh_dir, spec, message):
    out = subprocess.run(
        [sys.executable, "-c", NO_TORCH, "ingest", str(wh_dir), "--dataset", "synth", spec],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    status, said = out.stdout.splitlines()[:2]
    assert status == "1 False False", out.stdout + out.stderr
    assert message in said
    assert [r["kind"] for r in _runs(wh_dir)] == ["register"]


# 10. --layers: the message states exactly what is accepted


def test_layer_range_message_matches_what_open_clip_accepts():
    import torch

    from vtr.ingest.backbones import load_video_encoder
    from vtr.ingest.fanout import TapPlan, video_variants

    encoder = load_video_encoder(TINY, torch.device("cpu"))
    n = encoder.video_layers
    expected = f"this model has layers 1..{n} (or -{n}..-1 from the end)"
    for bad in ("99", "0", str(-n - 1)):
        with pytest.raises(TapError, match=rf"layer {bad} does not exist: {re.escape(expected)}"):
            video_variants(TINY, encoder, TapPlan.from_options(bad, "mean", "mean"), 2)
    for good, layer in (("1", "L1"), (str(n), f"L{n}"), (str(-n), "L1"), ("-1", f"L{n}")):
        variants = video_variants(TINY, encoder, TapPlan.from_options(good, "mean", "mean"), 2)
        assert [v.layer for v in variants] == ["final", layer]


def test_resolve_layers_default_range_includes_layer_zero():
    from vtr.ingest.taps import resolve_layers

    assert resolve_layers((0, -4), 3) == (0,)
    with pytest.raises(TapError, match=r"layers 0\.\.3 \(or -4\.\.-1"):
        resolve_layers((4,), 3)


# 11. ingest --json names the failed items


def test_ingest_json_lists_the_failed_items(tmp_path, small_corpus):
    corpus = tmp_path / "corpus"
    shutil.copytree(small_corpus.parent, corpus)
    broken = sorted((corpus / "videos").glob("*.mp4"))[0]
    broken.write_bytes(b"this is not a video")
    root = tmp_path / "wh"
    init_warehouse(root).close()
    result = _cli("ingest", root, "--dataset", "s", "--annotations", corpus / "annotations.json",
                  "--videos", corpus / "videos", "--video-backbone", TINY, "--frames", "2",
                  "--workers", "0", "--json")  # fmt: skip
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["failed_items"] == len(summary["failed"]) == 1
    [failed] = summary["failed"]
    assert failed["item_id"] == broken.stem and failed["stage"] and broken.name in failed["reason"]
