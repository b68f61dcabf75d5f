"""The whole pipeline through the CLI, in-process: synth -> init -> ingest -> eval -> report."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vtr.cli.app import app

VIDEO = "open_clip:vtr-tiny-vit:random"
TEXT_VARIANT = f"text/{VIDEO}/final/embed"
VIDEO_VARIANT = f"video/{VIDEO}/final/embed/mean/4f"


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_cli_pipeline_end_to_end(tmp_path):
    runner = CliRunner()
    corpus, wh = tmp_path / "corpus", tmp_path / "wh ü"
    out = _ok(runner.invoke(app, ["synth", "retrieval", str(corpus), "--videos", "20"]))
    annotations = out.stdout.strip().splitlines()[-1]
    _ok(runner.invoke(app, ["init", str(wh)]))
    ingest_args = [
        *("ingest", str(wh), "--dataset", "synth", "--annotations", annotations),
        *("--videos", str(corpus / "videos"), "--video-backbone", VIDEO),
        *("--text-backbone", VIDEO, "--frames", "4", "--workers", "0", "--json"),
    ]
    summary = json.loads(_ok(runner.invoke(app, ingest_args)).stdout)
    assert summary["failed_items"] == 0
    assert [v["variant_id"] for v in summary["variants"]] == [VIDEO_VARIANT, TEXT_VARIANT]

    again = json.loads(_ok(runner.invoke(app, ingest_args)).stdout)
    assert all(v["written"] == 0 for v in again["variants"])

    datasets = json.loads(_ok(runner.invoke(app, ["datasets", str(wh), "--json"])).stdout)
    assert [(d["dataset"], d["n_videos"]) for d in datasets] == [("synth", 20)]

    listed = json.loads(_ok(runner.invoke(app, ["variants", str(wh), "--json"])).stdout)
    assert {v["variant_id"] for v in listed} == {VIDEO_VARIANT, TEXT_VARIANT}

    eval_args = [
        *("eval", str(wh), "--dataset", "synth"),
        *("--text-variant", TEXT_VARIANT, "--video-variant", VIDEO_VARIANT, "--json"),
    ]
    metrics = json.loads(_ok(runner.invoke(app, eval_args)).stdout)
    assert set(metrics) >= {"t2v", "v2t"}
    assert 0 <= metrics["t2v"]["R@1"] <= metrics["t2v"]["R@5"] <= metrics["t2v"]["R@10"] <= 100

    report = _ok(runner.invoke(app, ["report", str(wh), "--eval", "1"]))
    path = report.stdout.strip().splitlines()[-1]
    text = Path(path).read_text(encoding="utf-8")
    assert "T2V" in text and "V2T" in text
    assert re.search(r"!\[[^\]]*\]\([^)]+\.png\)", text)


def test_unknown_warehouse_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["variants", str(tmp_path / "none [x]")])
    assert result.exit_code == 1
    assert "not a vtr warehouse" in result.output
    assert "none [x]" in result.output  # printed as it is, never read as console markup


def test_every_command_has_help():
    runner = CliRunner()
    for command in [
        "init",
        "ingest",
        "eval",
        "index",
        "report",
        "shell",
        "demo",
        "datasets",
        "errors",
        "compare",
        "intervals",
    ]:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage" in result.output
