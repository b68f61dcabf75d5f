"""Clip sequences of moment queries, read through the `moment_clip_labels` view.

A `MomentSample` is one query with its video's clips in time order: the clip
embeddings of a clip variant, optionally the embeddings of the clips' captions,
the query embedding of a text variant, and (labelled splits) per-clip mean saliency
and in-window flags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtr.errors import EvalInputError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.variants import get_variant


@dataclass
class MomentSample:
    qid: int
    query: str
    video_id: str
    duration: float
    split: str | None
    query_vec: np.ndarray  # (d_text,)
    clips: np.ndarray  # (n_clips, d_video)
    captions: np.ndarray | None  # (n_clips, d_text) or None
    saliency: np.ndarray | None  # (n_clips,) mean annotator score 0-4
    in_window: np.ndarray | None  # (n_clips,) 0/1

    @property
    def n_clips(self) -> int:
        return len(self.clips)


def load_samples(
    wh: Warehouse,
    dataset: str,
    split: str | None,
    video_variant: str,
    text_variant: str,
    captions: bool = False,
) -> list[MomentSample]:
    """Every query of `split` (None = all) with its clip sequence and embeddings."""
    video = get_variant(wh, video_variant)
    text = get_variant(wh, text_variant)
    if video["modality"] != "video" or text["modality"] != "text":
        raise EvalInputError(
            f"need a video clip variant and a text variant, got {video_variant!r} and "
            f"{text_variant!r}"
        )
    rows = wh.rows("moments/clip_sequences", {"dataset": dataset, "split": split})
    if not rows:
        raise EvalInputError(
            f"dataset {dataset!r} has no clips for the queries of split {split!r}; register "
            "its moment annotations and run `vtr ingest --clips 2s` first"
        )
    by_qid: dict[int, list[dict]] = {}
    for row in rows:
        by_qid.setdefault(row["qid"], []).append(row)
    item_ids = sorted({row["item_id"] for row in rows})
    _, clip_matrix = wh.vectors.read(video["lance_table"], dataset, item_ids)
    clip_pos = {item: i for i, item in enumerate(item_ids)}
    _, query_matrix = wh.vectors.read(text["lance_table"], dataset, [str(q) for q in by_qid])
    caption_matrix = None
    if captions:
        _, caption_matrix = wh.vectors.read(
            text["lance_table"], dataset, [f"cap:{item}" for item in item_ids]
        )
    samples = []
    for i, (qid, clips) in enumerate(by_qid.items()):
        index = [clip_pos[c["item_id"]] for c in clips]
        labelled = clips[0]["saliency"] is not None
        samples.append(
            MomentSample(
                qid=qid,
                query=clips[0]["query"],
                video_id=clips[0]["video_id"],
                duration=clips[0]["duration"],
                split=clips[0]["split"],
                query_vec=query_matrix[i],
                clips=clip_matrix[index],
                captions=None if caption_matrix is None else caption_matrix[index],
                saliency=np.array([c["saliency"] for c in clips]) if labelled else None,
                in_window=np.array([float(c["in_window"]) for c in clips]) if labelled else None,
            )
        )
    return samples
