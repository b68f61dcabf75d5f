"""Catalog rows for tests that need a dataset of known ids without any annotation file."""

from __future__ import annotations

from collections.abc import Sequence


def add_retrieval_dataset(
    wh,
    video_ids: Sequence[str],
    caption_videos: Sequence[str],
    splits: Sequence[str] | None = None,
    dataset: str = "d",
) -> list[str]:
    """Insert `dataset` with its videos (split 'test' unless `splits`) and one caption
    `c<i>` per entry of `caption_videos` (the caption's video id); return the caption ids."""
    con = wh.con
    con.execute("INSERT INTO datasets (dataset, format) VALUES (?, 'test')", [dataset])
    splits = list(splits) if splits is not None else ["test"] * len(video_ids)
    con.execute(
        "INSERT INTO videos (dataset, video_id, split) SELECT ?, unnest(?), unnest(?)",
        [dataset, list(video_ids), splits],
    )
    caption_ids = [f"c{i}" for i in range(len(caption_videos))]
    con.execute(
        "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
        "SELECT ?, unnest(?), unnest(?), 'words', 1, NULL",
        [dataset, caption_ids, list(caption_videos)],
    )
    return caption_ids
