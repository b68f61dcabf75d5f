"""`vtr ingest --engine ray`: decode and embed videos on a Ray Data actor pool.

Each actor loads the backbone once, then per batch decodes, embeds and writes one set
of uncommitted Lance fragments per variant (`vtr.ingest.commit.write_fragments`). It
never commits: it hands the fragments' metadata back with its video ids and per-item
errors, and the driver alone commits an Append every `commit_every` videos and marks
those videos done in the catalog in one transaction. Variants, poolings and rows are
those of the local engine; captions are embedded in the driver as there.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import torch

from vtr.errors import TapError, VtrError
from vtr.ingest.commit import Fragments
from vtr.ingest.fanout import tapped_layers, video_vectors
from vtr.ingest.pipeline import (
    IngestSummary,
    forward_video,
    ingest,
    pick_device,
    record_video_meta,
    video_items,
    video_targets,
)
from vtr.ingest.ray_runtime import raise_user_error, ray_session
from vtr.ingest.targets import variant_fragments
from vtr.ingest.video import FrameDataset, VideoMeta, collate_frames
from vtr.warehouse.variants import Variant

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

# On a machine without GPUs each actor asks a fraction of a CPU: with 2 cores, a pool
# asking 1 CPU per actor leaves Ray Data nothing to schedule its own tasks on, and stalls.
CPU_PER_ACTOR = 0.5


@dataclass
class BatchOutcome:
    """What an actor hands back for one batch (pickled into one row)."""

    videos: int
    parts: list[Fragments] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (video_id, stage, why)
    video_ids: list[str] = field(default_factory=list)  # embedded, with `metas`
    metas: list[VideoMeta] = field(default_factory=list)


class VideoEmbedder:
    """A Ray Data actor: the backbone loaded once; decode + embed + write fragments per batch."""

    def __init__(
        self,
        spec: str,
        device: str,
        seed: int,
        variants: list[Variant],
        done: dict[str, set[str]],
        vectors_path: str,
        dataset: str,
    ) -> None:
        from vtr.ingest.backbones import load_video_encoder

        self.encoder = load_video_encoder(spec, pick_device(device), seed)
        self.variants, self.done = variants, done
        self.layers = tapped_layers(variants)
        self.vectors_path, self.dataset = vectors_path, dataset

    def __call__(self, batch: dict[str, np.ndarray]) -> pa.Table:
        items = list(zip(batch["video_id"].tolist(), batch["path"].tolist(), strict=True))
        decoded = FrameDataset(items, self.variants[0].frames, self.encoder.norm)
        frames = collate_frames([decoded[i] for i in range(len(items))])
        outcome = BatchOutcome(len(items))
        outcome.errors = [(video_id, "decode", why) for video_id, why in frames.errors]
        if frames.frames is not None:
            with torch.inference_mode():
                self._embed(frames, outcome)
        payload = pa.array([pickle.dumps(outcome)], pa.binary())
        return pa.table({"outcome": payload})

    def _embed(self, frames, outcome: BatchOutcome) -> None:
        ids = frames.video_ids
        n_videos, n_frames = frames.frames.shape[:2]
        try:
            out = forward_video(self.encoder, frames.frames, self.layers)
        except TapError:
            raise  # a request the backbone cannot serve fails the same way for every item
        except Exception as err:  # noqa: BLE001 - a failing batch is recorded, ingest goes on
            outcome.errors += [
                (video_id, "embed", f"{type(err).__name__}: {err}") for video_id in ids
            ]
            return
        vectors = video_vectors(out, n_videos, n_frames, self.variants)
        outcome.video_ids, outcome.metas = ids, frames.metas
        # vectors go to Lance as FixedSizeList<float32>[D] columns built in write_fragments;
        # only the fragments' metadata travels back through Ray (never a tensor column)
        outcome.parts = variant_fragments(
            self.vectors_path, self.dataset, self.variants, self.done, ids, vectors
        )


@dataclass
class RayVideoStage:
    """The video stage of `vtr.ingest.pipeline.ingest` on a Ray actor pool (driver commits)."""

    device: str | None = None
    seed: int = 0
    name: str = "ray"

    def __call__(self, wh, summary, encoder, variants, batch_size, workers, commit_every, progress):
        import ray

        targets = video_targets(wh, summary, encoder, variants, commit_every)
        todo = targets.todo(video_items(wh, summary.dataset), key=lambda item: item[0])
        task = progress.add_task(f"video {variants[0].backbone} (ray)", total=len(todo))
        if todo:
            outcomes = self._pool(
                ray, wh, summary, variants, targets.done, todo, batch_size, workers
            )
            try:
                for row in outcomes.iter_rows():
                    outcome: BatchOutcome = pickle.loads(row["outcome"])
                    for video_id, stage, why in outcome.errors:
                        targets.fail([video_id], stage, why)
                    record_video_meta(wh, summary.dataset, outcome.video_ids, outcome.metas)
                    targets.committer.add(outcome.parts)
                    progress.advance(task, outcome.videos)
            except Exception as err:
                raise_user_error(err)
                raise
        return targets.finish()

    def placement(self, resources: dict[str, float], workers: int | None) -> dict[str, Any]:
        """Actor count, resources per actor and torch device, from the cluster's resources."""
        gpus = int(resources.get("GPU", 0))
        wants_gpu = self.device is not None and self.device.startswith("cuda")
        if wants_gpu and not gpus:
            raise VtrError(f"--device {self.device} but the Ray cluster has no GPU")
        if gpus and self.device in (None, "cuda"):  # each actor sees its own GPU as cuda
            return {"size": workers or gpus, "num_gpus": 1, "num_cpus": None, "device": "cuda"}
        if self.device not in (None, "cpu"):
            raise VtrError(f"--engine ray runs actors on cpu or cuda, not {self.device!r}")
        size = workers or max(1, int(resources.get("CPU", 1)) // 2)
        return {"size": size, "num_gpus": 0, "num_cpus": CPU_PER_ACTOR, "device": "cpu"}

    def _pool(self, ray, wh, summary, variants, done, todo, batch_size, workers):
        place = self.placement(ray.cluster_resources(), workers)
        rows = [{"video_id": video_id, "path": path} for video_id, path in todo]
        data = ray.data.from_items(rows, override_num_blocks=math.ceil(len(rows) / batch_size))
        return data.map_batches(
            VideoEmbedder,
            fn_constructor_kwargs={
                "spec": variants[0].backbone,
                "device": place["device"],
                "seed": self.seed,
                "variants": variants,
                "done": done,
                "vectors_path": str(wh.lance_path),
                "dataset": summary.dataset,
            },
            compute=ray.data.ActorPoolStrategy(size=place["size"]),
            num_gpus=place["num_gpus"],
            num_cpus=place["num_cpus"],
            batch_size=batch_size,
            batch_format="numpy",
        )


def ingest_ray(
    wh: Warehouse,
    dataset: str,
    *,
    address: str | None = None,
    workers: int | None = None,
    device: str | None = None,
    seed: int = 0,
    **options: Any,
) -> IngestSummary:
    """`vtr.ingest.pipeline.ingest` with videos embedded by a Ray actor pool.

    `address` connects to a running cluster, else a local one is started for the call;
    `workers` is the number of actors (default: one per GPU, else half the CPUs).
    To start a local cluster before anything loads Lance in this process (as the CLI
    does), enter `vtr.ingest.ray_runtime.ray_session()` before opening the warehouse.
    """
    if workers is not None and workers < 1:
        raise VtrError(f"--workers must be at least 1 actor, not {workers}")
    with ray_session(address):
        stage = RayVideoStage(device=device, seed=seed)
        return ingest(
            wh, dataset, workers=workers, device=device, seed=seed, video_stage=stage, **options
        )
