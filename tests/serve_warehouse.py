"""A small real warehouse for the `vtr serve` tests: a synthetic corpus ingested with the
tiny random open_clip towers and MiniLM, two evaluations of all its videos (plain and
dual-softmax re-ranked)."""

from __future__ import annotations

from pathlib import Path

import duckdb

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


CLIPS = f"video/{BACKBONE}/final/embed/clip2s-mean/2f"


def build_timeline_warehouse(folder: Path, root: Path | None = None) -> dict:
    """A synthetic moments dataset `m` (one stored prediction set, on its val split) and a
    synthetic steps dataset `steps`, both ingested at clip level, in the warehouse `root`
    (None: a new one under `folder`)."""
    import json

    from typer.testing import CliRunner

    from vtr.cli.app import app

    runner = CliRunner()

    def run(*args) -> str:
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    moments, steps = folder / "moments", folder / "steps"
    run("synth", "moments", moments, "--videos", 6, "--seed", 1)
    run("synth", "steps", steps, "--videos", 6, "--seed", 2)
    if root is None:
        root = folder / "wh"
        run("init", root)
    for split in ("train", "val", "test"):
        annotations = moments / f"highlight_{split}_release.jsonl"
        run("add-dataset", root, "m", "--videos", moments / "videos", "--annotations", annotations)
        annotations = steps / f"steps_{split}.jsonl"
        run(
            "add-dataset", root, "steps", "--videos", steps / "videos", "--annotations", annotations
        )
    for dataset in ("m", "steps"):
        run(
            "ingest", root, "--dataset", dataset, "--clips", "2s", "--frames-per-clip", 2,
            "--workers", 0, "--video-backbone", BACKBONE, "--text-backbone", BACKBONE,
        )  # fmt: skip
    predicted = run(
        "predict", "moments", root, "--dataset", "m", "--split", "val", "--json",
        "--video-variant", CLIPS, "--text-variant", TEXT, "--out", folder / "pred.jsonl",
    )  # fmt: skip
    return {"root": root, "predicted": json.loads(predicted)}


def catalog_rows(root: Path, sql: str, params=()) -> list[tuple]:
    """Rows of `sql` over the warehouse's catalog, read directly (the tests' truth)."""
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
