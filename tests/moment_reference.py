"""A plain-numpy statement of the QVHighlights evaluation definitions, for cross-checks.

Written as loops that follow the definitions step by step (greedy window matching,
VOC interpolation, per-annotator highlight AP via sklearn's precision-recall curve),
independent of the SQL that vtr runs.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve

THRESHOLDS = [float(f"{t:.2f}") for t in np.linspace(0.5, 0.95, 10)]
BUCKETS = {"short": (0, 10), "middle": (10, 30), "long": (30, 150), "full": None}


def _iou(a, b) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / ((a[1] - a[0]) + (b[1] - b[0]) - inter)


def _span_iou(a, b) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    span = max(a[1], b[1]) - min(a[0], b[0])
    return 0.0 if span == 0 else inter / span


def _ap(preds, gts, thr) -> float:
    order = sorted(range(len(preds)), key=lambda i: -preds[i][2])
    taken: set[int] = set()
    tp = []
    for i in order:
        ious = [_iou(preds[i], g) for g in gts]
        best = None
        for j in sorted(range(len(gts)), key=lambda j: (-ious[j], -j)):
            if ious[j] >= thr and j not in taken:
                best = j
                break
        tp.append(best is not None)
        if best is not None:
            taken.add(best)
    tp_cum = np.cumsum(tp)
    precision = tp_cum / np.arange(1, len(tp) + 1)
    recall = tp_cum / len(gts)
    ap, prev = 0.0, 0.0
    for k in range(len(tp)):
        if tp[k]:
            ap += (recall[k] - prev) * precision[k:].max()
            prev = recall[k]
    return ap


def moment_retrieval(gt: list[dict], pred: list[dict]) -> dict:
    by_qid = {p["qid"]: p for p in pred}
    out = {}
    for name, bounds in BUCKETS.items():
        kept = {}
        for g in gt:
            wins = [
                w
                for w in g["relevant_windows"]
                if bounds is None or bounds[0] < w[1] - w[0] <= bounds[1]
            ]
            if wins:
                kept[g["qid"]] = wins
        if not kept:
            continue
        m_ap, r1 = {}, {}
        for thr in THRESHOLDS:
            aps = [
                _ap(by_qid[q]["pred_relevant_windows"][:10], wins, thr)
                for q, wins in kept.items()
                if by_qid[q]["pred_relevant_windows"]
            ]
            m_ap[str(thr)] = 100 * float(np.mean(aps))
            hits = []
            for q, wins in kept.items():
                top = by_qid[q]["pred_relevant_windows"][0]
                best = wins[int(np.argmax([_iou(top, w) for w in wins]))]
                hits.append(_span_iou(top, best) >= thr)
            r1[str(thr)] = 100 * float(np.mean(hits))
        m_ap["average"] = float(np.mean([m_ap[str(t)] for t in THRESHOLDS]))
        out[name] = {"MR-mAP": m_ap, "MR-R1": r1}
    return out


def highlights(gt: list[dict], pred: list[dict], clip_len: float = 2.0) -> dict:
    by_qid = {p["qid"]: p for p in pred}
    out = {}
    for level, low in (("Fair", 2), ("Good", 3), ("VeryGood", 4)):
        aps, hits = [], []
        for g in gt:
            n = int(g["duration"] / clip_len)
            scores = np.zeros((n, 3))
            for clip, triple in zip(g["relevant_clip_ids"], g["saliency_scores"], strict=True):
                scores[clip] = triple
            labels = (scores >= low).astype(float)
            predicted = np.array(by_qid[g["qid"]]["pred_saliency_scores"], dtype=float)
            top = int(np.argmax(predicted))
            hits.append(labels[top].max() if top < n else 0.0)
            cut = np.zeros(n)
            cut[: min(n, len(predicted))] = predicted[:n]
            for a in range(3):
                y = labels[:, a]
                if y.min() == y.max():
                    aps.append(float(y[0]))
                    continue
                precision, recall, _ = precision_recall_curve(y, cut)
                for i in range(1, len(precision)):
                    precision[i] = max(precision[i - 1], precision[i])
                aps.append(float(np.mean(precision[np.where(np.diff(recall))])))
        out[f"HL-min-{level}"] = {"HL-mAP": 100 * np.mean(aps), "HL-Hit1": 100 * np.mean(hits)}
    return out
