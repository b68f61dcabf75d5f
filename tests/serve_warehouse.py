"""A small real warehouse for the `vtr serve` tests: a synthetic corpus ingested with the
tiny random open_clip towers and MiniLM, two evaluations of its test split (plain and
dual-softmax re-ranked)."""

from __future__ import annotations

import json
from pathlib import Path

BACKBONE = "open_clip:vtr-tiny-vit:random"
TEXT = f"text/{BACKBONE}/final/embed"
MINILM = "text/st:minilm/final/embed"
VIDEO = f"video/{BACKBONE}/final/embed/mean/4f"


def build_serve_warehouse(folder: Path, videos: int = 16, seed: int = 3) -> dict:
    """Corpus + warehouse under `folder`; returns paths, eval ids and one caption per video."""
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.pipeline import ingest
    from vtr.ingest.synthetic import generate_retrieval_corpus
    from vtr.warehouse import init_warehouse
    from vtr.warehouse.evals import run_eval

    annotations = generate_retrieval_corpus(folder / "corpus", n_videos=videos, seed=seed)
    root = folder / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", annotations, annotations.parent / "videos")
        common = {"frames": 4, "workers": 0, "show_progress": False}
        ingest(wh, "synth", [BACKBONE], [BACKBONE, "st:minilm"], temporal="mean", **common)
        plain = run_eval(wh, "synth", "test", TEXT, VIDEO)
        reranked = run_eval(wh, "synth", "test", TEXT, VIDEO, rerank="dual-softmax")
        captions = wh.con.execute(
            "SELECT c.caption_id, c.video_id, c.text FROM captions AS c "
            "JOIN videos AS v USING (dataset, video_id) WHERE v.split = 'test' "
            "ORDER BY c.caption_id"
        ).fetchall()
    data = json.loads(annotations.read_text())
    return {
        "root": root,
        "plain": plain,
        "reranked": reranked,
        "captions": captions,
        "n_videos": len(data["videos"]) if isinstance(data, dict) and "videos" in data else None,
    }
