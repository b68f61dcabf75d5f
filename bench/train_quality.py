"""Quality of trained alignment heads on the synthetic corpus, at a fixed seed.

Builds (or reuses) a 300-video synthetic warehouse with the demo backbones
(random-init `vtr-tiny-vit` video + text towers, real MiniLM text), then measures:

1. the untrained baseline (the random-init text and video towers, `vtr eval`) against a
   `proj` head mapping MiniLM text into the video space (InfoNCE): T2V R@1 on the test
   split, and T2V R@5 on captions of 21+ words;
2. a transformer head over the 8-frame sequences (`.../seq/8f`) against the same head
   and budget over mean-pooled frames (`.../mean/8f`), on the test captions that name a
   motion direction (left / right / up / down), and on the short ones that name nothing
   but the direction ("an object moves left").

Every retrieval number comes from the SQL metrics of `vtr eval`. Last, a linear probe
checks that the direction of motion is in the frame sequences at all.

    .venv/bin/python bench/train_quality.py                 # ~5 min on 2 CPU cores
    .venv/bin/python bench/train_quality.py --out /tmp/tq   # keep the warehouse
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

BACKBONE = "open_clip:vtr-tiny-vit:random"
MINILM = "text/st:minilm/final/embed"
RANDOM_TEXT = f"text/{BACKBONE}/final/embed"
MEAN = f"video/{BACKBONE}/final/embed/mean/8f"
SEQ = f"video/{BACKBONE}/final/embed/seq/8f"
DIRECTION = r"\b(left|right|up|down|rises|sinks)\b"
MOTION_ONLY = r"^(an object|a shape that|the object) moves (left|right|up|down)$"


def build(out: Path, videos: int, seed: int, direction_twins: float = 0.0) -> Path:
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.pipeline import ingest
    from vtr.ingest.synthetic import generate_retrieval_corpus
    from vtr.warehouse import init_warehouse

    annotations = out / "corpus" / "annotations.json"
    if not annotations.is_file():
        annotations = generate_retrieval_corpus(
            out / "corpus", n_videos=videos, seed=seed, direction_twins=direction_twins
        )
    with init_warehouse(out / "wh", exist_ok=True) as wh:
        register_dataset(wh, "synth", annotations, out / "corpus" / "videos")
        common = {"workers": 0, "seed": seed, "show_progress": False}
        ingest(wh, "synth", [BACKBONE], [BACKBONE, "st:minilm"], temporal="mean", **common)
        ingest(wh, "synth", [BACKBONE], [], temporal="seq", **common)
    return out / "wh"


def direction_probe(root: Path, annotations: Path) -> dict:
    """Is the direction in the frame sequence? A ridge-regression probe on the standardised
    last-minus-first frame embedding, left vs right movers, fit on train videos and scored
    on the val + test ones."""
    import numpy as np

    from vtr.models.data import load_vectors
    from vtr.warehouse import open_warehouse

    videos = json.loads(annotations.read_text())["videos"]
    label = {
        v["video_id"]: (v["split"], v["attributes"]["motion"] == "moves left")
        for v in videos
        if v["attributes"]["motion"] in ("moves left", "moves right")
    }
    with open_warehouse(root, read_only=True) as wh:
        seq = load_vectors(wh, SEQ, "synth")
    ids = seq.ids.to_pylist()
    rows = [i for i, item in enumerate(ids) if item in label]
    frames = seq.matrix.numpy()[rows]
    x = frames[:, -1] - frames[:, 0]
    x = np.c_[(x - x.mean(0)) / (x.std(0) + 1e-6), np.ones(len(x))]
    y = np.array([label[ids[i]][1] for i in rows])
    train = np.array([label[ids[i]][0] == "train" for i in rows])
    a = x[train]
    w = np.linalg.solve(a.T @ a + 10 * np.eye(a.shape[1]), a.T @ (2.0 * y[train] - 1))
    held = ~train
    return {
        "train videos": int(train.sum()),
        "held-out videos": int(held.sum()),
        "held-out accuracy": float(((x[held] @ w > 0) == y[held]).mean()),
    }


def measure(root: Path, seed: int, epochs: int) -> dict:
    from vtr.models.train import TrainConfig, train
    from vtr.warehouse import open_warehouse
    from vtr.warehouse.evals import metrics_by_length, retrieval_metrics, run_eval

    def r5_long(wh, eval_id: int) -> float:
        rows = metrics_by_length(wh, eval_id)
        return next(r["R@5"] for r in rows if r["direction"] == "t2v" and r["bucket"] == "21+")

    def matching(wh, eval_id: int, pattern: str) -> dict:
        row = wh.rows("reports/t2v_matching_captions", {"eval_id": eval_id, "pattern": pattern})
        return {k: row[0][k] for k in ("n_queries", "R@1", "R@5", "R@10")}

    results: dict = {}
    with open_warehouse(root) as wh:
        base = run_eval(wh, "synth", "test", RANDOM_TEXT, MEAN)
        results["baseline"] = {
            "eval": base,
            "T2V R@1": retrieval_metrics(wh, base)["t2v"]["R@1"],
            "T2V R@5 (21+ words)": r5_long(wh, base),
        }
        started = time.perf_counter()
        proj = train(wh, TrainConfig("synth", MINILM, MEAN, "proj", epochs=epochs, seed=seed))
        results["proj"] = {
            "run": proj.run_id,
            "eval": proj.test_eval,
            "untrained head T2V R@1": proj.untrained["t2v"]["R@1"],
            "T2V R@1": proj.trained["t2v"]["R@1"],
            "T2V R@5": proj.trained["t2v"]["R@5"],
            "T2V R@5 (21+ words)": r5_long(wh, proj.test_eval),
            "seconds": round(time.perf_counter() - started, 1),
        }
        for name, video in (("transformer/seq", SEQ), ("transformer/mean", MEAN)):
            started = time.perf_counter()
            config = TrainConfig("synth", MINILM, video, "transformer", epochs=epochs, seed=seed)
            run = train(wh, config)
            results[name] = {
                "run": run.run_id,
                "eval": run.test_eval,
                "T2V R@1": run.trained["t2v"]["R@1"],
                "direction captions": matching(wh, run.test_eval, DIRECTION),
                "motion-only direction captions": matching(wh, run.test_eval, MOTION_ONLY),
                "seconds": round(time.perf_counter() - started, 1),
            }
    proj_r1, base_r1 = results["proj"]["T2V R@1"], results["baseline"]["T2V R@1"]
    results["proj vs baseline (T2V R@1)"] = round(proj_r1 / max(base_r1, 1e-9), 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the warehouse here")
    parser.add_argument("--videos", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument(
        "--direction-twins",
        type=float,
        default=0.0,
        help="share of videos in left/right or up/down pairs equal in all else (0-1)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        root = build(out, args.videos, args.seed, args.direction_twins)
        results = measure(root, args.seed, args.epochs)
        results["left vs right probe"] = direction_probe(root, out / "corpus" / "annotations.json")
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
