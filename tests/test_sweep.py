"""`vtr eval --sweep` and `vtr report --sweep` on a real ingest with layer taps."""

import json

import numpy as np
import pytest
from tiny import reference_ranks
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.warehouse import open_warehouse
from vtr.warehouse.variants import get_variant

TINY = "open_clip:vtr-tiny-vit:random"


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _reference_mrr(wh, text_variant, video_variant):
    rows = wh.con.execute(
        "SELECT caption_id, video_id FROM captions WHERE dataset = 'synth' ORDER BY caption_id"
    ).fetchall()
    videos = sorted({video for _, video in rows})
    _, t = wh.vectors.read(
        get_variant(wh, text_variant)["lance_table"], "synth", [c for c, _ in rows]
    )
    _, v = wh.vectors.read(get_variant(wh, video_variant)["lance_table"], "synth", videos)
    t = t / np.linalg.norm(t, axis=1, keepdims=True)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    gt = np.array([videos.index(video) for _, video in rows])
    _, ranks, _ = reference_ranks(t.astype(np.float64) @ v.T.astype(np.float64), gt)["t2v"]
    return float(np.mean(1.0 / ranks))


@pytest.mark.slow
def test_sweep_evaluates_every_compatible_pair_and_reports_by_layer(tmp_path, small_corpus):
    runner = CliRunner()
    wh_dir = tmp_path / "wh"
    _ok(runner.invoke(app, ["init", str(wh_dir)]))
    _ok(runner.invoke(app, [
        "ingest", str(wh_dir), "--dataset", "synth", "--annotations", str(small_corpus),
        "--videos", str(small_corpus.parent / "videos"), "--frames", "2",
        "--video-backbone", TINY, "--text-backbone", TINY,
        "--layers", "1,2", "--poolings", "first,mean", "--temporal", "mean,max",
    ]))  # fmt: skip
    sweep = ["eval", str(wh_dir), "--sweep", "--dataset", "synth", "--split", "all", "--json"]
    first = json.loads(_ok(runner.invoke(app, sweep)).stdout)
    # final: 1 text x 2 video; L1 and L2: 2 text poolings x (2 poolings x 2 temporal)
    assert len(first["evaluated"]) == 2 + 2 * (2 * 4) and first["already_done"] == 0
    again = json.loads(_ok(runner.invoke(app, sweep)).stdout)
    assert again == {"evaluated": [], "already_done": 18}

    out = tmp_path / "sweep report"
    report = ["report", str(wh_dir), "--sweep", "--dataset", "synth", "--out", str(out)]
    path = _ok(runner.invoke(app, report)).stdout.strip().splitlines()[-1]
    text = (out / "report.md").read_text()
    assert path == str((out / "report.md").resolve())
    assert "### Layer L1: T2V MRR / V2T MRR" in text and "### Layer final" in text
    assert (out / "mrr_by_layer_0.png").stat().st_size > 1000

    text_variant, video_variant = f"text/{TINY}/L2/mean", f"video/{TINY}/L2/first/max/2f"
    with open_warehouse(wh_dir, read_only=True) as wh:
        row = next(
            r
            for r in wh.rows("reports/sweep_results", {"dataset": "synth", "split": None})
            if (r["layer"], r["text_pooling"], r["video_pooling"], r["temporal"])
            == ("L2", "mean", "first", "max")
        )
        expected = _reference_mrr(wh, text_variant, video_variant)
    assert row["t2v_MRR"] == pytest.approx(expected, abs=1e-9)
    line = next(
        line for line in text.split("### Layer L2")[1].splitlines() if "first / max" in line
    )
    assert f"{expected:.4f}" in line


def test_sweep_needs_a_shared_backbone(wh, tmp_path):
    result = CliRunner().invoke(app, ["eval", str(wh.root), "--sweep", "--dataset", "synth"])
    assert result.exit_code != 0
    assert "share a backbone" in result.output
    plain = CliRunner().invoke(app, ["eval", str(wh.root), "--dataset", "synth"])
    assert plain.exit_code != 0 and "--sweep" in plain.output
