"""Step grounding: place the ordered steps of a procedure on a video's chunks.

Input: a similarity matrix `sim` (n_steps x n_chunks) between step descriptions and
fixed-length video chunks. Every chunk is either background (it earns the drop value
`drop`) or belongs to one step (it earns `sim[step, chunk]`).

* `align_monotonic` — a dynamic programme in the spirit of Drop-DTW: steps keep their
  order, each step gets one contiguous, non-empty run of chunks, runs do not overlap,
  and any chunk may be left to background. It maximises the total earned score exactly,
  in O(n_steps x n_chunks).
* `best_windows` — the unconstrained baseline: for each step on its own, the windows
  with the highest gain sum(sim - drop) over their chunks, after non-maximum
  suppression. Steps may overlap and come in any order.

Both return windows in chunk indices, end exclusive; `to_seconds` converts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NEG = -np.inf


@dataclass(frozen=True)
class Window:
    start: int  # first chunk
    end: int  # one past the last chunk
    score: float


def default_drop(sim: np.ndarray, quantile: float = 0.5) -> float:
    """The drop value Drop-DTW suggests: a quantile of the similarities themselves."""
    return float(np.quantile(sim, quantile))


def align_monotonic(sim: np.ndarray, drop: float | None = None) -> list[Window]:
    """One window per step, in step order, maximising the total earned score."""
    s = _check(sim)
    n_steps, n_chunks = s.shape
    if n_chunks < n_steps:
        raise ValueError(f"{n_steps} steps cannot each get a chunk of only {n_chunks} chunks")
    d = default_drop(s) if drop is None else float(drop)
    # out[k, t]: best score of chunks [0, t) with steps [0, k) placed, none open at t
    # inside[k, t]: best score of chunks [0, t) with steps [0, k) placed, step k-1 open
    out = np.full((n_steps + 1, n_chunks + 1), _NEG)
    inside = np.full((n_steps + 1, n_chunks + 1), _NEG)
    came_out = np.zeros((n_steps + 1, n_chunks + 1), dtype=np.int8)  # 0 drop, 1 closed
    came_in = np.zeros((n_steps + 1, n_chunks + 1), dtype=np.int8)  # 0 opened, 1 continued
    out[0, 0] = 0.0
    for t in range(n_chunks + 1):
        for k in range(1, n_steps + 1):  # close the open step k-1 before chunk t
            if inside[k, t] > out[k, t]:
                out[k, t], came_out[k, t] = inside[k, t], 1
        if t == n_chunks:
            break
        for k in range(n_steps + 1):
            if out[k, t] > _NEG:
                if out[k, t] + d > out[k, t + 1]:  # chunk t is background
                    out[k, t + 1], came_out[k, t + 1] = out[k, t] + d, 0
                if k < n_steps and out[k, t] + s[k, t] > inside[k + 1, t + 1]:  # step k opens
                    inside[k + 1, t + 1], came_in[k + 1, t + 1] = out[k, t] + s[k, t], 0
            if k > 0 and inside[k, t] > _NEG:  # the open step k-1 takes chunk t too
                gain = inside[k, t] + s[k - 1, t]
                if gain > inside[k, t + 1]:
                    inside[k, t + 1], came_in[k, t + 1] = gain, 1
    return _backtrack(s, came_out, came_in)


def _backtrack(s: np.ndarray, came_out: np.ndarray, came_in: np.ndarray) -> list[Window]:
    n_steps, n_chunks = s.shape
    starts, ends = [0] * n_steps, [0] * n_steps
    k, t, inside = n_steps, n_chunks, False
    while k > 0:
        if not inside:
            if came_out[k, t] == 1:  # step k-1 closed here: its last chunk is t-1
                inside, ends[k - 1] = True, t
            else:
                t -= 1  # chunk t-1 was background
        elif came_in[k, t] == 1:
            t -= 1  # chunk t-1 continued step k-1
        else:
            starts[k - 1] = t - 1  # step k-1 opened at chunk t-1
            k, t, inside = k - 1, t - 1, False
    return [
        Window(a, b, float(np.mean(s[i, a:b])))
        for i, (a, b) in enumerate(zip(starts, ends, strict=True))
    ]


def best_windows(
    sim: np.ndarray,
    drop: float | None = None,
    top: int = 5,
    max_len: int | None = None,
    nms_iou: float = 0.5,
) -> list[list[Window]]:
    """Per step, its `top` windows by gain sum(sim - drop), after non-maximum suppression.

    Window scores are the mean similarity over the window (for display and ranking
    across methods); the gain decides which windows are proposed.
    """
    s = _check(sim)
    d = default_drop(s) if drop is None else float(drop)
    n_chunks = s.shape[1]
    longest = n_chunks if max_len is None else min(max_len, n_chunks)
    result = []
    for row in s:
        cum = np.concatenate([[0.0], np.cumsum(row - d)])
        starts, ends = np.triu_indices(n_chunks + 1, k=1)
        keep = ends - starts <= longest
        starts, ends = starts[keep], ends[keep]
        gain = cum[ends] - cum[starts]
        chosen: list[Window] = []
        for i in np.argsort(-gain, kind="stable"):
            a, b = int(starts[i]), int(ends[i])
            if all(_iou(a, b, w.start, w.end) <= nms_iou for w in chosen):
                chosen.append(Window(a, b, float(np.mean(row[a:b]))))
                if len(chosen) == top:
                    break
        result.append(chosen)
    return result


def to_seconds(window: Window, chunk_seconds: float, duration: float | None = None) -> list:
    """[start_s, end_s, score] of a window of chunks of `chunk_seconds` each."""
    end = window.end * chunk_seconds
    if duration is not None:
        end = min(end, duration)
    return [window.start * chunk_seconds, end, window.score]


def _iou(a: int, b: int, c: int, d: int) -> float:
    inter = max(0, min(b, d) - max(a, c))
    return inter / (max(b, d) - min(a, c))


def _check(sim: np.ndarray) -> np.ndarray:
    s = np.asarray(sim, dtype=np.float64)
    if s.ndim != 2 or 0 in s.shape:
        raise ValueError(f"similarity must be a non-empty (steps x chunks) matrix, got {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("similarity holds NaN or Inf")
    return s
