"""Moment predictions (zero-shot or a trained head) in the official QVHighlights format.

Zero-shot: a clip's saliency is the cosine similarity of the query embedding to the
clip embedding (`source="clips"`, needs one embedding space), to the clip's caption
embedding (`"captions"`, text-text), or their mean (`"both"`). Windows come from
`propose_windows` over those scores. A trained `MomentHead` checkpoint replaces the
similarities by its saliency and in-window outputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from vtr.errors import EvalInputError
from vtr.models.moment_data import MomentSample, load_samples
from vtr.models.moment_proposals import propose_windows
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.moment_evals import moment_metrics, predictions_from_records, store_predictions

ZERO_SHOT_SOURCES = ("clips", "captions", "both")


def _cosine(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    if matrix.shape[1] != vector.shape[0]:
        raise EvalInputError(
            f"query embeddings have dim {vector.shape[0]} but clip features have dim "
            f"{matrix.shape[1]}; zero-shot needs one embedding space (same backbone for both "
            "towers), or use --source captions, or train a head"
        )
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector) + 1e-12
    return matrix @ vector / norms


def zero_shot_scores(sample: MomentSample, source: str = "clips") -> tuple[np.ndarray, np.ndarray]:
    """(saliency, window scores) of one query: both the similarity per clip."""
    if source not in ZERO_SHOT_SOURCES:
        raise EvalInputError(
            f"unknown zero-shot source {source!r}; choose from {ZERO_SHOT_SOURCES}"
        )
    parts = []
    if source in ("clips", "both"):
        parts.append(_cosine(sample.clips, sample.query_vec))
    if source in ("captions", "both"):
        if sample.captions is None:
            raise EvalInputError("caption scores need the clips' caption embeddings")
        parts.append(_cosine(sample.captions, sample.query_vec))
    scores = np.mean(parts, axis=0)
    return scores, scores


def to_record(
    sample: MomentSample, saliency: np.ndarray, window_scores: np.ndarray, clip_len: float = 2.0
) -> dict[str, Any]:
    """One prediction row in the official format."""
    return {
        "qid": sample.qid,
        "query": sample.query,
        "vid": sample.video_id,
        "pred_relevant_windows": propose_windows(window_scores, clip_len, sample.duration),
        "pred_saliency_scores": [float(x) for x in saliency],
    }


def predict_moments(
    wh: Warehouse,
    dataset: str,
    split: str | None,
    video_variant: str,
    text_variant: str,
    out_path: Path | None = None,
    checkpoint: Path | None = None,
    source: str = "clips",
    clip_len: float = 2.0,
) -> dict[str, Any]:
    """Predict every query of the split; store the set; write JSONL when `out_path` is given.

    `checkpoint` = a trained MomentHead (its config says whether it fuses captions);
    otherwise zero-shot from `source`. Returns {"pred_id", "n_queries", "metrics"} where
    metrics (official keys, percentages) are present for labelled splits.
    """
    if checkpoint is not None:
        from vtr.models.moment_head import head_scores, load_head

        head, head_config = load_head(checkpoint)
        samples = load_samples(
            wh, dataset, split, video_variant, text_variant, captions=head_config["captions"]
        )
        scored = [head_scores(head, sample) for sample in samples]
        config = {"method": "head", "checkpoint": str(checkpoint), **head_config}
    else:
        captions = source in ("captions", "both")
        samples = load_samples(wh, dataset, split, video_variant, text_variant, captions)
        scored = [zero_shot_scores(sample, source) for sample in samples]
        config = {"method": "zero-shot", "source": source}
    config.update({"split": split, "video_variant": video_variant, "text_variant": text_variant})
    records = [
        to_record(s, sal, win, clip_len) for s, (sal, win) in zip(samples, scored, strict=True)
    ]
    if out_path is not None:
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    windows, saliency = predictions_from_records(records, f"{config['method']} predictions")
    pred_id = store_predictions(wh, dataset, windows, saliency, config["method"], config)
    labelled = all(s.saliency is not None for s in samples)
    metrics = _metrics_of_split(wh, dataset, pred_id, clip_len) if labelled else None
    return {"pred_id": pred_id, "n_queries": len(records), "config": config, "metrics": metrics}


def _metrics_of_split(wh: Warehouse, dataset: str, pred_id: int, clip_len: float) -> dict[str, Any]:
    """Metrics of a prediction set over the queries it predicts (one split of the dataset)."""
    return moment_metrics(wh, dataset, pred_id, clip_len, only_predicted=True)
