"""A small real warehouse for the `vtr serve` tests: a synthetic corpus ingested with the
tiny random open_clip towers and MiniLM, two evaluations of all its videos (plain and
dual-softmax re-ranked)."""

from __future__ import annotations

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
        plain = run_eval(wh, "synth", None, TEXT, VIDEO)
        reranked = run_eval(wh, "synth", None, TEXT, VIDEO, rerank="dual-softmax")
        captions = wh.con.execute(
            "SELECT caption_id, video_id, text FROM captions ORDER BY caption_id"
        ).fetchall()
    return {"root": root, "plain": plain, "reranked": reranked, "captions": captions}
