"""A tiny real warehouse with known embeddings, and a numpy reference of the metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vtr.warehouse import init_warehouse
from vtr.warehouse.metric_defs import metric_names
from vtr.warehouse.variants import Variant, register_variant

# the metrics this numpy reference computes (summarise); the SQL may define more
KEYS = ("R@1", "R@5", "R@10", "MedR", "MeanR", "MRR", "mAP")


# ---------------------------------------------------------------- numpy reference


def reference_ranks(s: np.ndarray, gt: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per direction: (query indices, ranks, APs), from the full similarity matrix."""
    n_t = s.shape[0]
    own = s[np.arange(n_t), gt]
    t2v = (s >= own[:, None]).sum(axis=1)  # ties count against the query
    videos = np.unique(gt)
    best = {u: s[gt == u].max(axis=0) for u in videos}  # best[u][v] = set score of u for v
    v2t, v2t_ap = [], []
    for v in videos:
        v2t.append(sum(best[u][v] >= best[v][v] for u in videos))
        own = np.flatnonzero(gt == v)
        others = np.flatnonzero(gt != v)
        ranks = sorted(
            1
            + (s[others, v] >= s[c, v]).sum()
            + (s[own, v] > s[c, v]).sum()
            + ((s[own, v] == s[c, v]) & (own < c)).sum()
            for c in own
        )
        v2t_ap.append(np.mean([(j + 1) / r for j, r in enumerate(ranks)]))
    return {
        "t2v": (np.arange(n_t), t2v, 1.0 / t2v),
        "v2t": (videos, np.array(v2t), np.array(v2t_ap)),
    }


def summarise(ranks: np.ndarray, ap: np.ndarray) -> dict[str, float]:
    return {
        "R@1": 100 * np.mean(ranks <= 1),
        "R@5": 100 * np.mean(ranks <= 5),
        "R@10": 100 * np.mean(ranks <= 10),
        "MedR": float(np.median(ranks)),
        "MeanR": float(np.mean(ranks)),
        "MRR": float(np.mean(1.0 / ranks)),
        "mAP": float(np.mean(ap)),
    }


def reference_metrics(s: np.ndarray, gt: np.ndarray) -> dict[str, dict[str, float]]:
    return {d: summarise(r, ap) for d, (_, r, ap) in reference_ranks(s, gt).items()}


def assert_metrics_close(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for direction in want:
        assert list(got[direction]) == list(metric_names()) and set(KEYS) <= set(got[direction])
        for key in want[direction]:
            assert got[direction][key] == pytest.approx(want[direction][key], abs=1e-6), (
                direction,
                key,
            )


# ---------------------------------------------------------------- a tiny real warehouse

DIM = 8
TEXT = Variant("text", "test:text")
VIDEO = Variant("video", "test:video", temporal="mean", frames=4)
VIDEO_SMALL = Variant("video", "test:small", temporal="mean", frames=4)


def build_tiny_warehouse(root: Path, seed: int = 0) -> dict:
    """14 test + 3 train videos in 3 named categories, an unnamed one and none; 0-4 captions."""
    rng = np.random.default_rng(seed)
    n_test = 14
    video_ids = [f"vid{i:02d}" for i in range(n_test + 3)]
    split = ["test"] * n_test + ["train"] * 3
    category = [int(c) for c in rng.integers(0, 4, size=len(video_ids))]
    category[1] = None  # no category at all
    counts = rng.integers(1, 5, size=len(video_ids))
    counts[5] = 0  # a test video without captions: t2v candidate, not a v2t query
    caption_video = rng.permutation(np.repeat(np.arange(len(video_ids)), counts))
    caption_ids = [f"cap{i:03d}" for i in range(len(caption_video))]
    n_words = [int(n) for n in rng.integers(1, 31, size=len(caption_ids))]
    video_vecs = rng.normal(size=(len(video_ids), DIM)).astype(np.float32)
    text_vecs = (video_vecs[caption_video] + 2 * rng.normal(size=(len(caption_ids), DIM))).astype(
        np.float32
    )
    with init_warehouse(root) as wh:
        con = wh.con
        con.execute("INSERT INTO datasets (dataset, format) VALUES ('tiny', 'test')")
        con.executemany(
            "INSERT INTO categories VALUES ('tiny', ?, ?)",
            [[0, "music"], [1, "sports"], [2, "news"]],
        )
        con.executemany(
            "INSERT INTO videos (dataset, video_id, category_id, split) VALUES ('tiny', ?, ?, ?)",
            list(zip(video_ids, category, split, strict=True)),
        )
        con.executemany(
            "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
            "VALUES ('tiny', ?, ?, 'words', ?, 'test')",
            [
                [c, video_ids[v], n]
                for c, v, n in zip(caption_ids, caption_video, n_words, strict=True)
            ],
        )
        # same ids in another dataset must not leak into the evaluation
        con.execute(
            "INSERT INTO videos (dataset, video_id, split) VALUES ('other', 'vid00', 'test')"
        )
        for variant, dim in ((TEXT, DIM), (VIDEO, DIM), (VIDEO_SMALL, DIM - 2)):
            register_variant(wh, variant, dim)
        wh.vectors.append(TEXT.lance_table, "tiny", caption_ids, text_vecs)
        wh.vectors.append(VIDEO.lance_table, "tiny", video_ids, video_vecs)
        wh.vectors.append(VIDEO_SMALL.lance_table, "tiny", video_ids, video_vecs[:, : DIM - 2])
    keep_v = np.arange(n_test)
    keep_c = np.flatnonzero(caption_video < n_test)
    return {
        "video_ids": [video_ids[i] for i in keep_v],
        "caption_ids": [caption_ids[i] for i in keep_c],
        "gt": caption_video[keep_c],
        "category": [category[i] for i in keep_v],
        "n_words": [n_words[i] for i in keep_c],
        "texts": text_vecs[keep_c].astype(np.float64),
        "videos": video_vecs[keep_v].astype(np.float64),
    }


def tiny_reference(data: dict) -> dict:
    t = data["texts"] / np.linalg.norm(data["texts"], axis=1, keepdims=True)
    v = data["videos"] / np.linalg.norm(data["videos"], axis=1, keepdims=True)
    return reference_ranks(t @ v.T, data["gt"])
