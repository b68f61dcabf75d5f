"""Step videos as arrays: each video's chunk embeddings in time order and its steps.

Read through `sql/steps/split_steps.sql` and `sql/steps/chunks.sql`; vectors from the
variants' Lance tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtr.errors import EvalInputError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.variants import get_variant


@dataclass
class StepVideo:
    video_id: str
    split: str | None
    chunks: np.ndarray  # (n_chunks, d_video), time order
    chunk_ids: list[str]
    chunk_start: np.ndarray  # (n_chunks,) seconds
    chunk_end: np.ndarray
    chunk_step: np.ndarray  # (n_chunks,) index of the step holding the chunk, -1 background
    qids: list[str]  # steps in order
    queries: list[str]
    steps: np.ndarray  # (n_steps, d_text)
    windows: np.ndarray  # (n_steps, 2) seconds
    duration: float | None


def load_step_videos(
    wh: Warehouse, dataset: str, split: str | None, text_variant: str, video_variant: str
) -> list[StepVideo]:
    """Every step video of `split` (None: all) with its chunks and steps."""
    text, video = get_variant(wh, text_variant), get_variant(wh, video_variant)
    if text["modality"] != "text" or video["modality"] != "video":
        raise EvalInputError(
            f"need a text variant and a video clip variant, got {text_variant!r} and "
            f"{video_variant!r}"
        )
    params = {"dataset": dataset, "split": split}
    steps = wh.rows("steps/split_steps", params)
    chunks = wh.rows("steps/chunks", params)
    if not steps:
        raise EvalInputError(f"dataset {dataset!r} has no steps in split {split!r}")
    if not chunks:
        raise EvalInputError(
            f"dataset {dataset!r} split {split!r} has no chunks: run "
            f"`vtr ingest WAREHOUSE --dataset {dataset} --clips 2s --frames-per-clip 4 ...` first"
        )
    _, step_matrix = wh.vectors.read(text["lance_table"], dataset, [s["qid"] for s in steps])
    _, chunk_matrix = wh.vectors.read(video["lance_table"], dataset, [c["item_id"] for c in chunks])
    step_rows: dict[str, list[int]] = {}
    for i, s in enumerate(steps):
        step_rows.setdefault(s["video_id"], []).append(i)
    chunk_rows: dict[str, list[int]] = {}
    for j, c in enumerate(chunks):
        chunk_rows.setdefault(c["video_id"], []).append(j)
    videos = []
    for video_id, rows in step_rows.items():
        idx = chunk_rows.get(video_id)
        if not idx:
            continue  # the video could not be decoded; recorded in ingest_errors
        qids = [steps[i]["qid"] for i in rows]
        position = {q: k for k, q in enumerate(qids)}
        videos.append(
            StepVideo(
                video_id=video_id,
                split=chunks[idx[0]]["split"],
                chunks=chunk_matrix[idx],
                chunk_ids=[chunks[j]["item_id"] for j in idx],
                chunk_start=np.array([chunks[j]["start_s"] for j in idx]),
                chunk_end=np.array([chunks[j]["end_s"] for j in idx]),
                chunk_step=np.array([position.get(chunks[j]["step_qid"], -1) for j in idx]),
                qids=qids,
                queries=[steps[i]["query"] for i in rows],
                steps=step_matrix[rows],
                windows=np.array([[steps[i]["start_s"], steps[i]["end_s"]] for i in rows]),
                duration=steps[rows[0]]["duration"],
            )
        )
    return videos
