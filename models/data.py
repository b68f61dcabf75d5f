"""Pair tables for training, read from the catalog's SQL views as Arrow record batches.

Vectors are read once per variant from LanceDB and kept as tensors; the pair views give
(caption_id, video_id[, label]) rows whose ids are joined to vector rows with Arrow's
`index_in` (vectorised, no Python loop over rows). A batch is a gather of those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightning as L
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

from vtr.errors import TrainInputError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.variants import get_variant, sequence_length

MODES = ("positives", "pairs", "hard")
ARROW_BATCH_ROWS = 65536


@dataclass
class Vectors:
    """Every row of one variant for one dataset: ids and a (n, D) or (n, T, D) tensor."""

    ids: pa.Array
    matrix: torch.Tensor

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[-1])


@dataclass
class PairSet:
    """Pairs as row numbers into the text and video `Vectors` (hard: (n, k) or None)."""

    text: np.ndarray
    video: np.ndarray
    label: np.ndarray
    hard: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.text)


def load_vectors(wh: Warehouse, variant_id: str, dataset: str) -> Vectors:
    """All vectors of `variant_id` for `dataset` (a `seq` variant as (n, T, D))."""
    row = get_variant(wh, variant_id)
    ids, matrix = wh.vectors.read(row["lance_table"], dataset)
    seq = sequence_length(row)
    if seq is not None:
        matrix = matrix.reshape(len(ids), seq, -1)
    return Vectors(pa.array(ids, pa.string()), torch.from_numpy(np.array(matrix, dtype=np.float32)))


def read_view(wh: Warehouse, name: str, params: dict[str, Any]) -> pa.RecordBatchReader:
    """The rows of a pair view (`sql/views/<name>.sql`) as Arrow record batches."""
    return wh.sql(f"views/{name}", params).to_arrow_reader(ARROW_BATCH_ROWS)


def row_numbers(ids: pa.Array, vectors: Vectors, what: str) -> np.ndarray:
    """Positions of `ids` in `vectors.ids`; TrainInputError naming ids that have no vector."""
    found = pc.index_in(ids, value_set=vectors.ids)
    if found.null_count:
        missing = ids.filter(pc.is_null(found)).to_pylist()[:3]
        raise TrainInputError(
            f"{found.null_count} {what} id(s) of the pair table have no vector, e.g. {missing}; "
            "ingest them with that variant first"
        )
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def read_pairs(
    wh: Warehouse, name: str, params: dict[str, Any], text: Vectors, video: Vectors
) -> PairSet:
    """A pair view joined to vector rows, batch by batch."""
    parts = [
        (
            row_numbers(batch.column("caption_id"), text, "caption"),
            row_numbers(batch.column("video_id"), video, "video"),
            batch.column("label").to_numpy(zero_copy_only=False).astype(np.float32),
        )
        for batch in read_view(wh, name, params)
    ]
    if not parts:
        return PairSet(*(np.zeros(0, np.int64),) * 2, np.zeros(0, np.float32))
    return PairSet(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def read_hard_negatives(
    wh: Warehouse, params: dict[str, Any], positives: PairSet, text: Vectors, video: Vectors
) -> np.ndarray:
    """(n_positives, k) video rows of each caption's k hard negatives (sql/views/hard_negatives)."""
    k = int(params["k"])
    table = read_view(wh, "hard_negatives", params).read_all()
    captions = row_numbers(table.column("caption_id"), text, "caption")
    videos = row_numbers(table.column("video_id"), video, "video")
    n = len(positives)
    expected = np.repeat(positives.text[:, None], k, axis=1)
    if len(captions) != k * n or not np.array_equal(captions.reshape(n, k), expected):
        raise TrainInputError(
            f"the mining evaluation {params['eval_id']} does not give {k} wrong videos for "
            f"every caption of split {params['split']!r}; evaluate that split with at least "
            f"k = {k + 1} neighbours and a split of more than {k} videos"
        )
    return videos.reshape(len(positives), k)


class PairDataset(Dataset):
    """Batches gathered by row numbers: `__getitems__` takes a whole batch of indices."""

    def __init__(self, pairs: PairSet, text: Vectors, video: Vectors) -> None:
        self.pairs, self.text, self.video = pairs, text.matrix, video.matrix

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        idx = np.asarray(indices, dtype=np.int64)
        video_rows = torch.from_numpy(self.pairs.video[idx])
        batch = {
            "text": self.text[torch.from_numpy(self.pairs.text[idx])],
            "video": self.video[video_rows],
            "video_index": video_rows,
            "label": torch.from_numpy(self.pairs.label[idx]),
        }
        if self.pairs.hard is not None:
            batch["hard"] = self.video[torch.from_numpy(self.pairs.hard[idx])]
        return batch


def as_batch(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The collate function: `PairDataset` already returns whole batches."""
    return batch


class PairDataModule(L.LightningDataModule):
    """Train / val / test pairs of one dataset from the pair views.

    mode `positives`: positive pairs (in-batch negatives); `pairs`: positives and
    `negatives` sampled negatives per positive, labelled; `hard`: positives, each with
    the `hard_k` hard negatives mined in evaluation `hard_eval`. Val and test always
    read positives; `retrieval_inputs(split)` gives a split's full caption x video set.
    """

    def __init__(
        self,
        wh: Warehouse | None,
        dataset: str,
        text_variant: str,
        video_variant: str,
        mode: str = "positives",
        batch_size: int = 128,
        negatives: int = 4,
        hard_k: int = 8,
        hard_eval: int | None = None,
        seed: int = 0,
        workers: int = 0,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise TrainInputError(f"unknown pair mode {mode!r}; choose from {MODES}")
        if mode == "hard" and (hard_eval is None or hard_k < 1):
            raise TrainInputError("hard negatives need a mining evaluation and k >= 1")
        self.wh, self.dataset = wh, dataset
        self.text_variant, self.video_variant = text_variant, video_variant
        self.mode, self.batch_size, self.seed, self.workers = mode, batch_size, seed, workers
        self.negatives, self.hard_k, self.hard_eval = negatives, hard_k, hard_eval
        self.text: Vectors | None = None
        self.video: Vectors | None = None
        self.splits: dict[str, PairSet] = {}
        self.galleries: dict[str, np.ndarray] = {}  # video rows of each split

    def setup(self, stage: str | None = None) -> None:
        if self.text is None:
            self.text = load_vectors(self.wh, self.text_variant, self.dataset)
            self.video = load_vectors(self.wh, self.video_variant, self.dataset)
        for split in ("train", "val", "test"):
            if split not in self.splits:
                self.splits[split] = self._pairs(split, self.mode if split == "train" else None)
                gallery = self.wh.sql(
                    "evals/split_videos", {"dataset": self.dataset, "split": split}
                ).to_arrow_table()
                self.galleries[split] = row_numbers(gallery.column("video_id"), self.video, "video")

    _SETTINGS = ("dataset", "text_variant", "video_variant", "mode", "batch_size", "negatives",
                 "hard_k", "hard_eval", "seed", "workers")  # fmt: skip

    def snapshot(self) -> dict[str, Any]:
        """Everything the loaders need, without the warehouse (see models/distributed.py)."""
        self.setup()
        return {
            "settings": {name: getattr(self, name) for name in self._SETTINGS},
            "vectors": {
                name: (vectors.ids.to_pylist(), vectors.matrix)
                for name, vectors in (("text", self.text), ("video", self.video))
            },
            "splits": self.splits,
            "galleries": self.galleries,
        }

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> PairDataModule:
        settings = dict(snapshot["settings"])
        names = ("dataset", "text_variant", "video_variant")
        data = cls(None, *(settings.pop(name) for name in names), **settings)
        for name, (ids, matrix) in snapshot["vectors"].items():
            setattr(data, name, Vectors(pa.array(ids, pa.string()), matrix))
        data.splits, data.galleries = snapshot["splits"], snapshot["galleries"]
        return data

    def _pairs(self, split: str, mode: str | None) -> PairSet:
        params = {"dataset": self.dataset, "split": split}
        positives = read_pairs(self.wh, "positives", params, self.text, self.video)
        if mode == "pairs":
            negatives = read_pairs(
                self.wh,
                "sampled_negatives",
                {**params, "k": self.negatives, "seed": self.seed},
                self.text,
                self.video,
            )
            return PairSet(
                *(
                    np.concatenate([getattr(positives, f), getattr(negatives, f)])
                    for f in ("text", "video", "label")
                )
            )
        if mode == "hard":
            hard_params = {**params, "k": self.hard_k, "eval_id": self.hard_eval}
            positives.hard = read_hard_negatives(
                self.wh, hard_params, positives, self.text, self.video
            )
        return positives

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        pairs = self.splits[split]
        if not len(pairs):
            raise TrainInputError(f"dataset {self.dataset!r} has no pairs in split {split!r}")
        data = PairDataset(pairs, self.text, self.video)
        generator = torch.Generator().manual_seed(self.seed)
        order = RandomSampler(data, generator=generator) if shuffle else SequentialSampler(data)
        return DataLoader(
            data,
            batch_sampler=BatchSampler(order, self.batch_size, drop_last=False),
            collate_fn=as_batch,
            num_workers=self.workers,
            multiprocessing_context="spawn" if self.workers else None,
            persistent_workers=bool(self.workers),
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def feature_stats(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """Per-feature (mean, std) of the train split's captions ("text") and videos
        ("video"; over every frame of a sequence)."""
        train = self.splits["train"]
        stats = {}
        for name, vectors, rows in (
            ("text", self.text, train.text),
            ("video", self.video, train.video),
        ):
            matrix = vectors.matrix[torch.from_numpy(np.unique(rows))]
            flat = matrix.reshape(-1, matrix.shape[-1])
            stats[name] = (flat.mean(dim=0), flat.std(dim=0))
        return stats

    def retrieval_inputs(self, split: str) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """(caption inputs, video inputs, gt) of every caption and video of a split."""
        pairs, videos = self.splits[split], self.galleries[split]
        gt = pc.index_in(pa.array(pairs.video), value_set=pa.array(videos)).to_numpy()
        return self.text.matrix[pairs.text], self.video.matrix[videos], gt.astype(np.int64)
