"""Window proposals from per-clip scores: multi-scale sliding windows + temporal NMS."""

from __future__ import annotations

import numpy as np

SCALES = (1, 2, 3, 4, 6, 8, 11, 15, 20, 28, 38, 50, 75)  # window lengths in clips


def propose_windows(
    scores: np.ndarray,
    clip_len: float = 2.0,
    duration: float | None = None,
    top_k: int = 10,
    nms_iou: float = 0.5,
) -> list[list[float]]:
    """[[start_s, end_s, score], ...] sorted by score, at most `top_k`, after NMS.

    Every window of every scale (stride: a quarter of its length, at least one clip)
    is scored by the mean of the clips it covers minus the mean of the clips outside,
    so a window wins by covering the high-scoring run and nothing more.
    """
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    if n == 0:
        return []
    prefix = np.concatenate([[0.0], np.cumsum(s)])
    total = prefix[-1]
    candidates = []
    for scale in SCALES:
        if scale > n:
            break
        stride = max(1, scale // 4)
        starts = np.arange(0, n - scale + 1, stride)
        if starts[-1] != n - scale:
            starts = np.append(starts, n - scale)
        inside = (prefix[starts + scale] - prefix[starts]) / scale
        outside = (total - inside * scale) / (n - scale) if scale < n else np.zeros_like(inside)
        for start, score in zip(starts, inside - outside, strict=True):
            candidates.append((float(score), int(start), int(start + scale)))
    candidates.sort(key=lambda c: -c[0])
    kept: list[tuple[float, int, int]] = []
    for score, start, end in candidates:
        if all(_iou(start, end, k[1], k[2]) <= nms_iou for k in kept):
            kept.append((score, start, end))
            if len(kept) == top_k:
                break
    end_cap = duration if duration is not None else n * clip_len
    return [[start * clip_len, min(end * clip_len, end_cap), score] for score, start, end in kept]


def _iou(s1: int, e1: int, s2: int, e2: int) -> float:
    inter = max(0, min(e1, e2) - max(s1, s2))
    return inter / (max(e1, e2) - min(s1, s2))
