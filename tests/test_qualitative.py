"""Qualitative strips of an evaluation over real synthetic MP4s, one of them deleted."""

from __future__ import annotations

import shutil

import numpy as np
from report_checks import assert_self_contained, assert_tables_have_rows

from vtr.ingest.datasets import register_dataset
from vtr.reports.retrieval import write_retrieval_report
from vtr.warehouse.evals import run_eval
from vtr.warehouse.variants import Variant, register_variant

TEXT = Variant("text", "test:text")
VIDEO = Variant("video", "test:video", temporal="mean", frames=4)


def test_strips_show_thumbnails_and_survive_a_deleted_video(wh, small_corpus, tmp_path):
    videos = tmp_path / "videos copy"
    shutil.copytree(small_corpus.parent / "videos", videos)
    register_dataset(wh, "synth", small_corpus, videos)
    video_ids = [r[0] for r in wh.con.execute("SELECT video_id FROM videos ORDER BY 1").fetchall()]
    captions = wh.con.execute("SELECT caption_id, video_id FROM captions ORDER BY 1").fetchall()
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(video_ids), 8)).astype(np.float32)
    position = {v: i for i, v in enumerate(video_ids)}
    texts = np.stack([vecs[position[v]] for _, v in captions]) + rng.normal(size=(len(captions), 8))
    for variant in (TEXT, VIDEO):
        register_variant(wh, variant, 8)
    wh.vectors.append(VIDEO.lance_table, "synth", video_ids, vecs)
    wh.vectors.append(TEXT.lance_table, "synth", [c for c, _ in captions], texts.astype(np.float32))
    eval_id = run_eval(wh, "synth", None, TEXT.id, VIDEO.id)
    best = wh.rows("reports/qualitative_queries", {"eval_id": eval_id, "direction": "t2v", "n": 1})[
        0
    ]
    gone = wh.con.execute(
        "SELECT n.target_id, v.path FROM neighbours n JOIN videos v ON v.video_id = n.target_id "
        "WHERE n.eval_id = ? AND n.direction = 't2v' AND n.query_id = ? AND n.position = 3",
        [eval_id, best["query_id"]],
    ).fetchone()
    (videos / f"{gone[0]}.mp4").unlink()

    path = write_retrieval_report(wh, eval_id, cases=2)
    strips = [p for p in assert_self_contained(path) if p.name.startswith("case_t2v_")]
    assert sorted(p.name for p in strips) == [
        "case_t2v_best_1.png",
        "case_t2v_best_2.png",
        "case_t2v_worst_3.png",
        "case_t2v_worst_4.png",
    ]
    assert all(p.stat().st_size > 5000 for p in strips)  # real thumbnails, not empty axes
    assert_tables_have_rows(path)
    text = path.read_text(encoding="utf-8")
    assert "1 video(s) could not be shown" in text and "video file not found" in text
    assert gone[1] in text
    assert "### Video to text" in text and "✓" in text
    # a re-run with fewer cases leaves no stale strip behind
    path = write_retrieval_report(wh, eval_id, cases=1)
    assert len(list(path.parent.glob("case_t2v_*.png"))) == 2
