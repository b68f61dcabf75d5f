"""Wall time of ingesting every (layer, pooling) variant vs one variant, same backbone and videos.

Both runs decode the same synthetic MP4s and embed them with the same model; the
tapped run asks for 4 layers x 5 token poolings (plus the model's own output, 21
video variants and 21 text variants), the baseline for the model's own output only.
Each measurement is a fresh warehouse; the model is loaded once beforehand, and
the two kinds of run alternate, the median of `--repeats` is reported: wall time,
and the process's CPU time (all threads), which a machine shared with other work
disturbs less than wall time.

    .venv/bin/python bench/ingest_taps.py                    # ViT-B-32 (random init)
    .venv/bin/python bench/ingest_taps.py --videos 16 --backbone open_clip:vtr-tiny-vit:random
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.synthetic import generate_retrieval_corpus
from vtr.warehouse import init_warehouse


def _run(root: Path, annotations: Path, tag: str, modality: str, args, layers: str | None):
    with init_warehouse(root / tag) as wh:
        register_dataset(wh, "synth", annotations, annotations.parent / "videos")
        towers = ([args.backbone], []) if modality == "video" else ([], [args.backbone])
        start, cpu = time.perf_counter(), time.process_time()
        summary = ingest(
            wh, "synth", *towers, frames=args.frames, batch_size=args.batch_size, workers=0,
            layers=layers, poolings="first,last,mean,max,sum", show_progress=False,
        )  # fmt: skip
        wall = time.perf_counter() - start
        return wall, time.process_time() - cpu, len(summary.variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="open_clip:ViT-B-32:random")
    parser.add_argument("--layers", default="3,6,9,-1")
    parser.add_argument("--videos", type=int, default=24)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        annotations = generate_retrieval_corpus(root / "corpus", n_videos=args.videos, seed=0)
        _run(root, annotations, "warmup", "video", args, None)  # loads the model once
        for modality in ("video", "text"):
            runs: dict[str, list[tuple[float, float]]] = {"one": [], "taps": []}
            counts = {}
            for repeat in range(args.repeats):
                for kind, layers in (("one", None), ("taps", args.layers)):
                    tag = f"{modality}-{kind}-{repeat}"
                    wall, cpu, counts[kind] = _run(root, annotations, tag, modality, args, layers)
                    runs[kind].append((wall, cpu))
            wall = {kind: statistics.median(w for w, _ in runs[kind]) for kind in runs}
            cpu = {kind: statistics.median(c for _, c in runs[kind]) for kind in runs}
            print(
                f"{modality}: {counts['one']} variant vs {counts['taps']} variants (layers "
                f"{args.layers} x 5 poolings + final/embed): wall {wall['one']:.2f} s vs "
                f"{wall['taps']:.2f} s = {wall['taps'] / wall['one']:.2f}x; CPU {cpu['one']:.2f} s "
                f"vs {cpu['taps']:.2f} s = {cpu['taps'] / cpu['one']:.2f}x  [{args.backbone}, "
                f"{args.videos} videos, {args.frames} frames, median of {args.repeats}]"
            )


if __name__ == "__main__":
    main()
