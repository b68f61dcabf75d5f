"""Named evaluation protocols change only the conventions they name."""

from __future__ import annotations

import numpy as np
import pytest

from vtr.warehouse.evals import metrics_for_similarity

# Four captions of two videos; caption ranks of their own video are 1, 2, 1, 2.
SIM = np.array([[0.9, 0.1], [0.1, 0.9], [0.1, 0.9], [0.9, 0.1]])
GT = np.array([0, 0, 1, 1])


def _torch_median_lower(values: list[float]) -> float:
    """CLIP4Clip's T2V MedR: torch.median returns the lower of the two middle values."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def test_clip4clip_protocol_takes_the_lower_median_for_multi_caption_t2v():
    vtr_metrics = metrics_for_similarity(SIM, GT)
    clip4clip = metrics_for_similarity(SIM, GT, protocol="clip4clip")
    assert vtr_metrics["t2v"]["MedR"] == pytest.approx(float(np.median([1, 2, 1, 2])))  # 1.5
    assert clip4clip["t2v"]["MedR"] == _torch_median_lower([1, 2, 1, 2]) == 1
    for key in ("R@1", "R@5", "R@10", "MeanR", "MRR", "mAP"):
        assert clip4clip["t2v"][key] == pytest.approx(vtr_metrics["t2v"][key])
    assert clip4clip["v2t"] == pytest.approx(vtr_metrics["v2t"])


def test_clip4clip_protocol_keeps_np_median_for_one_caption_per_video():
    sim = np.array(
        [[0.9, 0.1, 0.0, 0.5], [0.95, 0.9, 0.0, 0.0], [0.0, 0.0, 0.9, 0.0], [0.99, 0.98, 0.97, 0.1]]
    )
    ranks = [1, 2, 1, 4]
    metrics = metrics_for_similarity(sim, protocol="clip4clip")
    assert metrics["t2v"]["MedR"] == pytest.approx(float(np.median(ranks)))  # 1.5
