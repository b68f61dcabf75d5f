"""Step grounding end to end on real MP4s, through the CLI: synth, register, ingest
chunks, train adapters, predict with DP and top-1, metrics from the written file."""

from __future__ import annotations

import json

import pytest
from report_checks import assert_self_contained, assert_tables_have_rows
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.reports.steps import write_steps_report
from vtr.warehouse import open_warehouse

BACKBONE = "open_clip:vtr-tiny-vit:random"
TEXT = f"text/{BACKBONE}/final/embed"
CHUNKS = f"video/{BACKBONE}/final/embed/clip2s-mean/4f"

pytestmark = pytest.mark.slow


def run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_steps_end_to_end(tmp_path):
    corpus, wh = tmp_path / "corpus ü", tmp_path / "wh"
    run("synth", "steps", corpus, "--videos", 9, "--seed", 2)
    run("init", wh)
    for split in ("train", "val", "test"):
        run(
            "add-dataset",
            wh,
            "steps",
            "--annotations",
            corpus / f"steps_{split}.jsonl",
            "--videos",
            corpus / "videos",
        )
    run(
        "ingest",
        wh,
        "--dataset",
        "steps",
        "--clips",
        "2s",
        "--frames-per-clip",
        4,
        "--video-backbone",
        BACKBONE,
        "--text-backbone",
        BACKBONE,
        "--text-backbone",
        "st:minilm",
    )
    trained = json.loads(
        run(
            "train",
            "steps",
            wh,
            "--dataset",
            "steps",
            "--epochs",
            3,
            "--text-variant",
            "text/st:minilm/final/embed",
            "--video-variant",
            CHUNKS,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert "+step-adapter:r" in trained["text_variant"]
    with open_warehouse(wh, read_only=True) as con:
        n_clips = con.con.execute("SELECT count(*) FROM video_clips").fetchone()[0]
        assert (
            con.vectors.count(
                con.rows("variants/get", {"variant_id": trained["video_variant"]})[0]["lance_table"]
            )
            == n_clips
        )
    for method in ("dp", "top1"):
        out = tmp_path / f"{method}.jsonl"
        summary = json.loads(
            run(
                "predict",
                "steps",
                wh,
                "--dataset",
                "steps",
                "--method",
                method,
                "--json",
                "--text-variant",
                trained["text_variant"],
                "--video-variant",
                trained["video_variant"],
                "--out",
                out,
            ).stdout
        )
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(records) == summary["n_steps"] > 0
        windows = [r["pred_windows"] for r in records]
        assert all(1 <= len(w) <= 5 for w in windows)
        assert all(a <= b for w in windows for a, b, _ in w)
        from_file = json.loads(
            run("metrics", "steps", corpus / "steps_test.jsonl", out, "--json").stdout
        )
        assert {k: from_file[k] for k in summary["metrics"]} == pytest.approx(summary["metrics"])
        assert from_file["evaluated"] == from_file["steps"] == summary["n_steps"]
    with open_warehouse(wh, read_only=True) as con:
        path, rows = write_steps_report(
            con,
            "steps",
            [
                ("zero-shot", TEXT, CHUNKS),
                ("trained", trained["text_variant"], trained["video_variant"]),
            ],
            out_dir=tmp_path / "report",
        )
    assert len(rows) == 4
    assert_self_contained(path)
    assert_tables_have_rows(path)
    cli = run(
        "report-steps",
        wh,
        "--dataset",
        "steps",
        "--tune-split",
        "none",
        "--label",
        "z",
        "--text-variant",
        TEXT,
        "--video-variant",
        CHUNKS,
        "--out",
        tmp_path / "cli report",
    )
    assert cli.stdout.strip().splitlines()[-1].endswith("report.md")


def test_dp_windows_keep_step_order(tmp_path):
    from vtr.ingest.synthetic_steps import build_corpus

    corpus = build_corpus(6, seed=1)
    for rows in corpus["splits"].values():
        by_video = {}
        for row in rows:
            by_video.setdefault(row["video"], []).append(row)
        for steps in by_video.values():
            assert all(a["end"] <= b["start"] for a, b in zip(steps, steps[1:], strict=False))
            assert all(a["query"] != b["query"] for a, b in zip(steps, steps[1:], strict=False))
