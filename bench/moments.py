"""Moment retrieval / highlight detection on the synthetic moments corpus, end to end.

Generates the corpus, ingests it at clip level (random-init tiny ViT clips, MiniLM and
tiny-ViT text), then scores on the val split:
  zero-shot (query vs clip, one random-init embedding space: chance level),
  zero-shot from per-clip captions (MiniLM query vs caption),
  the trained span + saliency head without and with caption fusion.
Prints a markdown table, writes OUT/bench.json and the report OUT/report/report.md.
Usage:

    python bench/moments.py --videos 240 --seed 0 --epochs 40 --out bench-moments/
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import torch

from vtr.ingest.clips import ingest_clips, register_clip_captions
from vtr.ingest.datasets import register_dataset
from vtr.ingest.synthetic_moments import generate_moments_corpus
from vtr.models.moment_predict import predict_moments
from vtr.models.moment_train import train_moments
from vtr.reports.moments import write_moments_report
from vtr.warehouse import init_warehouse

VIDEO = "open_clip:vtr-tiny-vit:random"
CLIP_VARIANT = f"video/{VIDEO}/final/embed/clip2s-mean/2f"
TINY_TEXT = f"text/{VIDEO}/final/embed"
MINILM = "text/st:minilm/final/embed"
KEYS = (
    "MR-full-R1@0.5",
    "MR-full-R1@0.7",
    "MR-full-mAP@0.5",
    "MR-full-mAP",
    "MR-short-mAP",
    "MR-middle-mAP",
    "MR-long-mAP",
    "HL-min-Fair-Hit1",
    "HL-min-VeryGood-mAP",
    "HL-min-VeryGood-Hit1",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=240)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("bench-moments"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    shutil.rmtree(args.out, ignore_errors=True)
    timings = {}
    start = time.perf_counter()
    corpus = generate_moments_corpus(args.out / "corpus", args.videos, seed=args.seed)
    timings["synth"] = time.perf_counter() - start
    with init_warehouse(args.out / "wh") as wh:
        for split in ("train", "val", "test"):
            path = corpus / f"highlight_{split}_release.jsonl"
            register_dataset(wh, "synthm", path, corpus / "videos")
        register_clip_captions(wh, "synthm", corpus / "clip_captions.jsonl")
        start = time.perf_counter()
        ingest_clips(wh, "synthm", [VIDEO], ["st:minilm", VIDEO], show_progress=False)
        timings["ingest"] = time.perf_counter() - start
        rows = {}
        runs = {
            "zero-shot (query vs clip)": {"text_variant": TINY_TEXT, "source": "clips"},
            "zero-shot (query vs clip captions)": {"text_variant": MINILM, "source": "captions"},
        }
        for name, kwargs in runs.items():
            rows[name] = predict_moments(wh, "synthm", "val", CLIP_VARIANT, **kwargs)
        for captions in (False, True):
            name = "trained head" + (" + captions" if captions else "")
            ckpt = args.out / f"head{'_captions' if captions else ''}.pt"
            start = time.perf_counter()
            summary = train_moments(
                wh, "synthm", CLIP_VARIANT, MINILM, ckpt, captions=captions,
                epochs=args.epochs, seed=args.seed,
            )  # fmt: skip
            timings["train" + ("_captions" if captions else "")] = time.perf_counter() - start
            rows[name] = predict_moments(wh, "synthm", "val", CLIP_VARIANT, MINILM, checkpoint=ckpt)
        n_train = summary["n_queries"]
        report = write_moments_report(
            wh, [r["pred_id"] for r in rows.values()], args.out / "report"
        )
    n_val = next(iter(rows.values()))["n_queries"]
    print(f"synthetic moments: {args.videos} videos, seed {args.seed}; "
          f"train {n_train} queries, val {n_val} queries")  # fmt: skip
    print("| predictor | " + " | ".join(KEYS) + " |")
    print("| --- |" + " ---: |" * len(KEYS))
    for name, result in rows.items():
        brief = result["metrics"]["brief"]
        print(f"| {name} | " + " | ".join(f"{brief[k]:.2f}" for k in KEYS) + " |")
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(f"report: {report}")
    summary_json = {
        "videos": args.videos,
        "seed": args.seed,
        "epochs": args.epochs,
        "n_train_queries": n_train,
        "n_val_queries": n_val,
        "timings": timings,
        "results": {name: r["metrics"] for name, r in rows.items()},
        "pred_ids": {name: r["pred_id"] for name, r in rows.items()},
    }
    (args.out / "bench.json").write_text(json.dumps(summary_json, indent=1))


if __name__ == "__main__":
    main()
