"""Does ingest overlap decoding with the model, and does its memory stay bounded?

Overlap: on the same synthetic videos, the throughput (videos/s) of
  * decode alone: the ingest's own DataLoader (FrameDataset, spawned workers), no model;
  * model alone: the backbone's forward on frames decoded beforehand, no decoding;
  * ingest: `vtr.ingest.pipeline.ingest`, decode and model together;
and the ratio ingest / min(decode, model) (1.0 = perfect overlap).

Memory: the peak RSS of an ingest of N videos and of 4N videos, each in a fresh
process; a ratio near 1 means memory does not grow with the corpus (vectors are
committed to LanceDB every `commit_every` videos, frames are never held beyond a batch).

    python bench/ingest_overlap.py [--videos 96] [--backbone open_clip:ViT-B-32:random]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from vtr.ingest.backbones import load_video_encoder
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.synthetic import generate_retrieval_corpus
from vtr.ingest.video import FrameDataset, collate_frames
from vtr.warehouse import init_warehouse

MEMORY_RUN = """
import sys, json
from vtr.warehouse import init_warehouse
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
root, corpus, backbone, frames, workers = sys.argv[1:6]
with init_warehouse(root) as wh:
    register_dataset(wh, "synth", corpus + "/annotations.json", corpus + "/videos")
    ingest(wh, "synth", video_backbones=[backbone], frames=int(frames), workers=int(workers),
           show_progress=False, commit_every=64)
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over the exec)
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"peak_rss_mib": int(hwm.split()[1]) / 1024}))
"""


def decode_alone(items, frames, norm, batch_size, workers) -> float:
    loader = torch.utils.data.DataLoader(
        FrameDataset(items, frames, norm),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=collate_frames,
        multiprocessing_context="spawn" if workers else None,
    )
    started = time.perf_counter()
    n = sum(len(batch.video_ids) for batch in loader)
    return n / (time.perf_counter() - started)


def model_alone(encoder, items, frames, norm, batch_size) -> float:
    batches = [
        collate_frames([FrameDataset(items, frames, norm)[i] for i in range(a, a + batch_size)])
        for a in range(0, len(items) - batch_size + 1, batch_size)
    ]
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            encoder.forward_video(batch.frames, [])
    return sum(len(b.video_ids) for b in batches) / (time.perf_counter() - started)


def peak_rss(root: Path, corpus: Path, backbone: str, frames: int, workers: int) -> float:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_RUN,
            str(root),
            str(corpus),
            backbone,
            str(frames),
            str(workers),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mib"]


def overlap(corpus: Path, args) -> tuple[float, float, float]:
    """(decode alone, model alone, ingest) in videos/s on the videos of `corpus`."""
    with tempfile.TemporaryDirectory() as tmp, init_warehouse(Path(tmp) / "wh") as wh:
        register_dataset(wh, "synth", corpus / "annotations.json", corpus / "videos")
        items = [(r["video_id"], r["path"]) for r in wh.rows("ingest/videos", {"dataset": "synth"})]
        encoder = load_video_encoder(args.backbone, torch.device("cpu"))
        decode = decode_alone(items, args.frames, encoder.norm, args.batch_size, args.workers)
        model = model_alone(encoder, items, args.frames, encoder.norm, args.batch_size)
        started = time.perf_counter()
        ingest(
            wh,
            "synth",
            video_backbones=[args.backbone],
            frames=args.frames,
            batch_size=args.batch_size,
            workers=args.workers,
            show_progress=False,
        )
        return decode, model, len(items) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=96)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backbone", default="open_clip:ViT-B-32:random")
    parser.add_argument("--memory-only", action="store_true", help="Skip the overlap part.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small = generate_retrieval_corpus(tmp / "small", n_videos=args.videos, seed=0).parent
        large = generate_retrieval_corpus(tmp / "large", n_videos=4 * args.videos, seed=1).parent
        if not args.memory_only:
            decode, model, both = overlap(small, args)
            print(
                f"{args.backbone}, {args.videos} videos x {args.frames} frames, batch "
                f"{args.batch_size}, {args.workers} decoding workers"
            )
            print(
                f"decode alone {decode:.2f} videos/s; model alone {model:.2f} videos/s; "
                f"ingest {both:.2f} videos/s"
            )
            print(f"overlap: ingest / min(decode, model) = {both / min(decode, model):.2f}")
        rss_small = peak_rss(tmp / "m1", small, args.backbone, args.frames, args.workers)
        rss_large = peak_rss(tmp / "m2", large, args.backbone, args.frames, args.workers)
    print(
        f"peak RSS: {args.videos} videos {rss_small:.0f} MiB, {4 * args.videos} videos "
        f"{rss_large:.0f} MiB (ratio {rss_large / rss_small:.2f})"
    )


if __name__ == "__main__":
    main()
