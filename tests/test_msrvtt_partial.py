"""MSR-VTT 1k-A with 20 of its 1,000 videos: imported features, `--missing skip`, and the
coverage shown wherever the result is."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from vtr.cli.app import app

CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "msrvtt" / "MSRVTT_JSFUSION_test.csv"
)


def _run(*args) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_1ka_with_980_videos_missing_evaluates_the_20_and_says_so(tmp_path):
    if not CSV.is_file():
        pytest.fail(f"the reference data is missing: {CSV} (shared/data beside the checkout)")
    rows = list(csv.DictReader(CSV.open(encoding="utf-8")))
    assert len(rows) == 1000
    have = rows[:20]  # features for 20 videos and their captions, e.g. from another tool
    rng = np.random.default_rng(0)
    (tmp_path / "v").mkdir()
    (tmp_path / "t").mkdir()
    for row in have:
        vec = rng.normal(size=16).astype(np.float32)
        np.save(tmp_path / "v" / f"{row['video_id']}.npy", vec)
        np.save(tmp_path / "t" / f"{row['video_id']}-1.npy", vec + rng.normal(size=16) * 0.5)
    wh = tmp_path / "wh"
    _run("init", wh)
    _run("add-dataset", wh, "1ka", "--annotations", CSV)
    base = ["import", wh, "--dataset", "1ka", "--format", "npy", "--backbone", "feats"]
    _run(*base, "--modality", "video", tmp_path / "v")
    _run(*base, "--modality", "text", "--naming", "video-n", tmp_path / "t")
    text, video = "text/import:feats/final/embed", "video/import:feats/final/embed/mean/1f"
    pair = ["--dataset", "1ka", "--split", "test", "--text-variant", text, "--video-variant", video]
    refused = CliRunner().invoke(app, ["eval", str(wh), *pair])
    assert refused.exit_code != 0 and "980 of 1000 video items have no vector" in refused.output
    assert "--missing skip" in refused.output
    result = json.loads(_run("eval", wh, *pair, "--missing", "skip", "--json"))
    assert result["coverage"] == "20/1000 videos, 20/1000 texts"
    listed = json.loads(_run("evals", wh, "--json"))
    assert [row["coverage"] for row in listed] == ["20/1000 videos, 20/1000 texts"]
    report = Path(
        _run("report", wh, "--eval", result["eval_id"], "--out", tmp_path / "r")
        .strip()
        .splitlines()[-1]
    )
    assert "partial: 20 of 1000 listed texts, 20 of 1000 listed videos" in report.read_text("utf-8")
