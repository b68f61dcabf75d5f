"""Wall time of ingesting every (layer, pooling) variant vs one variant, same backbone and videos.

Both runs decode the same synthetic MP4s and embed them with the same model; the
tapped run asks for 4 layers x 5 token poolings (plus the model's own output, 21
video variants and 21 text variants), the baseline for the model's own output only.
Each measurement is a fresh warehouse; the model is loaded once beforehand, and
the two kinds of run alternate, the median of `--repeats` is reported.

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
        start = time.perf_counter()
        summary = ingest(
            wh, "synth", *towers, frames=args.frames, batch_size=args.batch_size, workers=0,
            layers=layers, poolings="first,last,mean,max,sum", show_progress=False,
        )  # fmt: skip
        return time.perf_counter() - start, len(summary.variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="open_clip:ViT-B-32:random")
    parser.add_argument("--layers", default="3,6,9,-1")
    parser.add_argument("--videos", type=int, default=40)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        annotations = generate_retrieval_corpus(root / "corpus", n_videos=args.videos, seed=0)
        _run(root, annotations, "warmup", "video", args, None)  # loads the model once
        for modality in ("video", "text"):
            times: dict[str, list[float]] = {"one": [], "taps": []}
            counts = {}
            for repeat in range(args.repeats):
                for kind, layers in (("one", None), ("taps", args.layers)):
                    seconds, counts[kind] = _run(
                        root, annotations, f"{modality}-{kind}-{repeat}", modality, args, layers
                    )
                    times[kind].append(seconds)
            one, taps = statistics.median(times["one"]), statistics.median(times["taps"])
            print(
                f"{modality}: {counts['one']} variant {one:.2f} s, {counts['taps']} variants "
                f"(layers {args.layers} x 5 poolings + final/embed) {taps:.2f} s, "
                f"ratio {taps / one:.2f}x  [{args.backbone}, {args.videos} videos, "
                f"{args.frames} frames, median of {args.repeats}]"
            )


if __name__ == "__main__":
    main()
