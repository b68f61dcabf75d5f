"""`vtr predict steps`: place each step of each video, by monotonic DP or per-step top-k.

Similarity = cosine between the step descriptions (a text variant) and the video's
chunks (a clip variant of the same dimension; a step adapter's variants after
`vtr train steps`). Predictions are rows `{"qid", "pred_windows": [[start, end,
score], ...]}`; their metrics come from `sql/metrics/steps.sql`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from vtr.errors import EvalInputError
from vtr.ingest.steps import StepRow
from vtr.models.step_align import Window, align_monotonic, best_windows, default_drop
from vtr.models.step_data import StepVideo, load_step_videos
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.step_evals import prediction_table, step_metrics, truth_table

METHODS = ("dp", "top1")
TOP_K = 5


def similarity(video: StepVideo) -> np.ndarray:
    """Cosine similarity of the video's steps (rows) with its chunks (columns)."""
    if video.steps.shape[1] != video.chunks.shape[1]:
        raise EvalInputError(
            f"step vectors have dim {video.steps.shape[1]} but chunk vectors "
            f"{video.chunks.shape[1]}: not one embedding space (train a step adapter: "
            "`vtr train steps`)"
        )
    t = video.steps / np.linalg.norm(video.steps, axis=1, keepdims=True)
    c = video.chunks / np.linalg.norm(video.chunks, axis=1, keepdims=True)
    return t @ c.T


def predict_video(video: StepVideo, method: str, drop_quantile: float = 0.5) -> list[dict]:
    """One prediction record per step of `video`."""
    if method not in METHODS:
        raise EvalInputError(f"unknown step method {method!r}; choose from {METHODS}")
    sim = similarity(video)
    drop = default_drop(sim, drop_quantile)
    candidates = best_windows(sim, drop=drop, top=TOP_K)
    if method == "dp" and sim.shape[1] >= sim.shape[0]:
        aligned = align_monotonic(sim, drop=drop)
        ranked = [
            [w, *(c for c in cands if (c.start, c.end) != (w.start, w.end))][:TOP_K]
            for w, cands in zip(aligned, candidates, strict=True)
        ]
    else:
        ranked = candidates
    return [
        {"qid": qid, "pred_windows": [_window(w, video) for w in windows]}
        for qid, windows in zip(video.qids, ranked, strict=True)
    ]


def predict_steps(
    wh: Warehouse,
    dataset: str,
    split: str | None,
    text_variant: str,
    video_variant: str,
    method: str = "dp",
    drop_quantile: float = 0.5,
    out: Path | None = None,
) -> dict[str, Any]:
    """Predict every step of `split`; write the JSONL to `out` when given; return metrics."""
    videos = load_step_videos(wh, dataset, split, text_variant, video_variant)
    summary = predict_loaded(videos, method, drop_quantile, out)
    return {"text_variant": text_variant, "video_variant": video_variant, "split": split, **summary}


def predict_loaded(
    videos: list[StepVideo], method: str, drop_quantile: float, out: Path | None = None
) -> dict[str, Any]:
    """`predict_steps` on videos already read (see `load_step_videos`)."""
    records = [r for v in videos for r in predict_video(v, method, drop_quantile)]
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    truth = [
        StepRow(qid, v.video_id, i, "", float(w[0]), float(w[1]))
        for v in videos
        for i, (qid, w) in enumerate(zip(v.qids, v.windows, strict=True))
    ]
    preds = prediction_table([(f"prediction {r['qid']}", r) for r in records])
    return {
        "method": method,
        "n_steps": len(truth),
        "n_videos": len(videos),
        "predictions": str(out) if out is not None else None,
        "metrics": step_metrics(truth_table(truth), preds),
    }


def _window(window: Window, video: StepVideo) -> list[float]:
    """[start, end, score] in seconds: from the first chunk's start to the last one's end."""
    start = float(video.chunk_start[window.start])
    return [start, float(video.chunk_end[window.end - 1]), window.score]


DROP_QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def tune_drop(
    wh: Warehouse,
    dataset: str,
    text_variant: str,
    video_variant: str,
    method: str,
    split: str = "val",
    quantiles: tuple[float, ...] = DROP_QUANTILES,
) -> float:
    """The drop quantile with the best R1@0.3 (then mIoU) on `split`."""
    videos = load_step_videos(wh, dataset, split, text_variant, video_variant)  # read once
    scores = []
    for q in quantiles:
        m = predict_loaded(videos, method, q)["metrics"]
        scores.append((m["R1@0.3"], m["mIoU"], -abs(q - 0.5), q))
    return max(scores)[-1]
