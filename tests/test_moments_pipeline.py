"""Synthetic moments corpus, clip-level ingest, predictors and the moment CLI, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import AnnotationError
from vtr.ingest.clips import clip_frame_indices, parse_clip_len, register_clip_captions
from vtr.ingest.moments import load_moments_jsonl, split_from_name
from vtr.ingest.synthetic_moments import build_corpus, windows_of
from vtr.models.moment_data import MomentSample
from vtr.models.moment_head import fit_head, head_scores
from vtr.models.moment_proposals import propose_windows

VIDEO = "open_clip:vtr-tiny-vit:random"
CLIPS = f"video/{VIDEO}/final/embed/clip2s-mean/2f"
TINY_TEXT = f"text/{VIDEO}/final/embed"
MINILM = "text/st:minilm/final/embed"
runner = CliRunner()


def test_synthetic_corpus_is_seeded_and_consistent():
    a, b = build_corpus(12, seed=5), build_corpus(12, seed=5)
    assert a["splits"] == b["splits"] and a["clip_captions"] == b["clip_captions"]
    assert build_corpus(12, seed=6)["splits"] != a["splits"]
    assert all("relevant_windows" not in row for row in a["splits"]["test"])
    events = {v["vid"]: v["events"] for v in a["videos"]}
    for row in a["splits"]["train"] + a["splits"]["val"]:
        video = events[row["vid"]]
        assert 30 <= row["duration"] <= 150 and row["duration"] == video[-1].end_clip * 2
        clips = [c for s, e in row["relevant_windows"] for c in range(s // 2, e // 2)]
        assert clips == row["relevant_clip_ids"]
        assert all(len(t) == 3 and all(1 <= s <= 4 for s in t) for t in row["saliency_scores"])
        key = next(e.key for e in video if e.start_clip == clips[0])
        assert [[s * 2, e * 2] for s, e in windows_of(video, key)] == row["relevant_windows"]
    n_clips = sum(v["events"][-1].end_clip for v in a["videos"])
    assert len(a["clip_captions"]) == n_clips


def test_clip_sampling_and_lengths():
    idx = clip_frame_indices(n_frames=180, fps=2.0, clip_len=2.0, k=2)
    assert idx.shape == (45, 2) and idx[0].tolist() == [1, 3] and idx[-1].tolist() == [177, 179]
    assert parse_clip_len("2s") == 2.0 and parse_clip_len("1.5") == 1.5
    with pytest.raises(ValueError, match="positive number of seconds"):
        parse_clip_len("two")
    assert split_from_name(Path("highlight_val_release.jsonl")) == "val"
    assert split_from_name(Path("highlight_test_release.jsonl")) == "test"


def test_proposals_find_a_planted_run_and_suppress_overlaps():
    scores = np.zeros(40)
    scores[10:18] = 1.0
    windows = propose_windows(scores, clip_len=2.0, duration=80.0)
    assert windows[0][:2] == [20.0, 36.0]
    assert len(windows) == 10 and [w[2] for w in windows] == sorted(
        (w[2] for w in windows), reverse=True
    )
    for i, w in enumerate(windows):
        for v in windows[:i]:
            inter = max(0.0, min(w[1], v[1]) - max(w[0], v[0]))
            assert inter / (max(w[1], v[1]) - min(w[0], v[0])) <= 0.5


def test_head_learns_a_planted_signal():
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)

    def sample(qid: int) -> MomentSample:
        query = rng.normal(size=8)
        clips = rng.normal(size=(30, 16))
        start = int(rng.integers(0, 20))
        inside = np.zeros(30)
        inside[start : start + 8] = 1
        clips[inside == 1, :8] += 2 * query
        return MomentSample(
            qid, "q", "v", 60.0, "train", query, clips, None, 4 * inside, inside
        )  # fmt: skip

    head, _ = fit_head([sample(i) for i in range(64)], epochs=30, hidden=32, seed=0)
    held_out = [sample(100 + i) for i in range(10)]
    hits = [s.in_window[int(np.argmax(head_scores(head, s)[0]))] for s in held_out]
    assert np.mean(hits) >= 0.8


def test_bad_clip_captions_are_named(wh, tmp_path):
    path = tmp_path / "caps.jsonl"
    path.write_text('{"vid": "v1", "clip_id": 0, "caption": ""}\n')
    with pytest.raises(AnnotationError, match=r"caps.jsonl:1 \(vid v1, clip 0\): empty"):
        register_clip_captions(wh, "d", path)


@pytest.mark.slow
def test_moments_end_to_end_through_the_cli(tmp_path):
    corpus, ware = tmp_path / "corpus", tmp_path / "wh"
    result = runner.invoke(app, ["synth", "moments", str(corpus), "--videos", "6", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["init", str(ware)]).exit_code == 0
    for split in ("train", "val", "test"):
        args = ["add-dataset", str(ware), "m", "--videos", str(corpus / "videos")]
        args += ["--annotations", str(corpus / f"highlight_{split}_release.jsonl")]
        assert runner.invoke(app, args).exit_code == 0
    ingest = ["ingest", str(ware), "--dataset", "m", "--clips", "2s", "--json"]
    ingest += ["--clip-captions", str(corpus / "clip_captions.jsonl")]
    ingest += ["--video-backbone", VIDEO, "--text-backbone", VIDEO, "--text-backbone", "st:minilm"]
    first = runner.invoke(app, ingest)
    assert first.exit_code == 0, first.output
    written = {v["variant_id"]: v["written"] for v in json.loads(first.stdout)["variants"]}
    n_clips = len((corpus / "clip_captions.jsonl").read_text().splitlines())
    assert written[f"{CLIPS} (clips)"] == n_clips
    assert written[f"{MINILM} (clip captions)"] == n_clips
    again = json.loads(runner.invoke(app, ingest).stdout)["variants"]
    assert all(v["written"] == 0 for v in again)

    zero = tmp_path / "zero.jsonl"
    predict = ["predict", "moments", str(ware), "--dataset", "m", "--split", "val", "--json"]
    predict += ["--video-variant", CLIPS]
    result = runner.invoke(app, [*predict, "--text-variant", TINY_TEXT, "--out", str(zero)])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)["metrics"]
    gt = corpus / "highlight_val_release.jsonl"
    from_files = runner.invoke(app, ["metrics", "moments", str(gt), str(zero), "--json"])
    assert json.loads(from_files.stdout) == stored
    durations = {q["qid"]: q["duration"] for q in load_moments_jsonl(gt).queries}
    for row in map(json.loads, zero.open()):
        assert len(row["pred_saliency_scores"]) == int(durations[row["qid"]] / 2)
        scores = [w[2] for w in row["pred_relevant_windows"]]
        assert 0 < len(scores) <= 10 and scores == sorted(scores, reverse=True)

    head = tmp_path / "head.pt"
    train = ["train", "moments", str(ware), "--dataset", "m", "--video-variant", CLIPS]
    train += ["--text-variant", MINILM, "--out", str(head), "--epochs", "2", "--captions"]
    result = runner.invoke(app, train)
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, [*predict, "--text-variant", MINILM, "--checkpoint", str(head)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["captions"] is True

    out = tmp_path / "r"
    report = runner.invoke(
        app, ["report-moments", str(ware), "--pred", "1", "--pred", "2", "--out", str(out)]
    )
    assert report.exit_code == 0, report.output
    text = Path(report.stdout.strip()).read_text()
    assert "zero-shot (clips) (set 1)" in text and "trained head + captions (set 2)" in text
    assert "## By window length" in text and "saliency_best_" in text
    assert len(list((tmp_path / "r").glob("saliency_*.png"))) >= 2

    mismatch = runner.invoke(app, [*predict, "--text-variant", MINILM])
    assert mismatch.exit_code == 1 and "one embedding space" in mismatch.output


def test_clip_ingest_records_a_bad_video_and_goes_on(tmp_path):
    from vtr.ingest.clips import ingest_clips
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.synthetic_moments import generate_moments_corpus
    from vtr.warehouse import init_warehouse

    corpus = generate_moments_corpus(tmp_path / "c", 3, seed=2)
    (corpus / "videos" / "mvid0001.mp4").write_bytes(b"not a video")
    with init_warehouse(tmp_path / "wh") as wh:
        for split in ("train", "val", "test"):
            register_dataset(
                wh, "m", corpus / f"highlight_{split}_release.jsonl", corpus / "videos"
            )
        summary = ingest_clips(wh, "m", [VIDEO], [], show_progress=False)
        assert summary.failed == 1 and summary.errors[0]["item_id"] == "mvid0001"
        assert summary.variants[0].written > 0
        order = wh.con.execute(
            "SELECT list(clip_idx ORDER BY start_s) = list(clip_idx ORDER BY clip_idx)"
            " FROM video_clips WHERE video_id = 'mvid0000'"
        ).fetchone()[0]
        assert order is True
