"""Step grounding on the synthetic procedure corpus: zero-shot vs trained, DP vs top-1.

Generates the corpus, registers it, ingests 2-s chunks of 4 frames, trains the step
adapters, and writes the steps report; prints the test metrics of every (variants,
aligner) row. The drop quantile of each row is tuned on the validation split.

    python bench/steps_quality.py [--videos 120] [--out bench-out/steps]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import torch

from vtr.ingest.clips import ingest_clips
from vtr.ingest.datasets import register_dataset
from vtr.ingest.synthetic_steps import generate_steps_corpus
from vtr.models.step_train import train_steps
from vtr.reports.steps import write_steps_report
from vtr.warehouse import init_warehouse

BACKBONE = "open_clip:vtr-tiny-vit:random"
ZERO_SHOT = (f"text/{BACKBONE}/final/embed", f"video/{BACKBONE}/final/embed/clip2s-mean/4f")
MINILM = "text/st:minilm/final/embed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("bench-out/steps"))
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    started = time.perf_counter()
    shutil.rmtree(args.out, ignore_errors=True)
    corpus = generate_steps_corpus(args.out / "corpus", args.videos, seed=args.seed)
    with init_warehouse(args.out / "warehouse") as wh:
        for split in ("train", "val", "test"):
            register_dataset(wh, "steps", corpus / f"steps_{split}.jsonl", corpus / "videos")
        ingest_clips(
            wh,
            "steps",
            video_backbones=[BACKBONE],
            text_backbones=[BACKBONE, "st:minilm"],
            clip_len=2.0,
            frames_per_clip=4,
            seed=args.seed,
            show_progress=False,
        )
        trained = train_steps(wh, "steps", MINILM, ZERO_SHOT[1], epochs=args.epochs, seed=args.seed)
        pairs = [
            ("zero-shot (random-init towers)", *ZERO_SHOT),
            ("trained step adapters", trained["text_variant"], trained["video_variant"]),
        ]
        report, rows = write_steps_report(wh, "steps", pairs, out_dir=args.out / "report")
    for row in rows:
        metrics = {k: round(v, 2) for k, v in row["metrics"].items()}
        print(
            f"{row['label']:32s} {row['method']:5s} q={row['drop_quantile']:.1f} "
            f"{json.dumps(metrics)} ({row['n_steps']} test steps)"
        )
    print(f"report: {report}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
