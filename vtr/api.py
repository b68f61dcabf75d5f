"""The Python API: `import vtr`, then `vtr.open(path)` or `vtr.init(path)`.

    import vtr

    with vtr.init("wh") as wh:
        wh.add_dataset("synth", vtr.synthesize("corpus", videos=40))
        wh.ingest("synth", video_backbones=["open_clip:vtr-tiny-vit:random"],
                  text_backbones=["open_clip:vtr-tiny-vit:random"])
        ev = wh.eval("synth", wh.variants("text")[0]["variant_id"],
                     wh.variants("video")[0]["variant_id"])
        ev.metrics()                  # {"t2v": {"R@1": ...}, "v2t": {...}}
        ev.metrics(by="category")     # rows per video category
        ev.ranks().df()               # per-query ranks as a pandas DataFrame
        wh.sql("SELECT * FROM retrieval_metrics WHERE eval_id = $id", {"id": ev.id}).df()

Every method is the library call a CLI command makes; errors are the named
`vtr.errors` exceptions the CLI turns into messages. `Warehouse.handle` is the
catalog handle vtr's own modules take (`vtr.warehouse.Warehouse`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np

from vtr.errors import EvalInputError, UnknownDataset
from vtr.warehouse import catalog

VectorFormat = Literal["numpy", "torch", "arrow"]
Grouping = Literal["all", "category", "length"]


class Evaluation:
    """One stored evaluation: its setup, metrics (SQL views), ranks and neighbours."""

    def __init__(self, wh: Warehouse, eval_id: int) -> None:
        from vtr.warehouse.evals import get_eval

        self.warehouse, self.id = wh, int(eval_id)
        self.row: dict[str, Any] = get_eval(wh.handle, self.id)

    def __repr__(self) -> str:
        row = self.row
        return (
            f"Evaluation({self.id}: {row['dataset']} / {row['split'] or 'all'}, "
            f"{row['text_variant'] or row.get('label')} x {row['video_variant'] or '-'})"
        )

    def metrics(self, by: Grouping = "all") -> Any:
        """`by="all"`: {"t2v": {"R@1", ..., "mAP"}, "v2t": {...}}; `"category"` or
        `"length"`: one dict per (direction, group) with n_queries and the metrics."""
        from vtr.warehouse import evals

        readers = {
            "all": evals.retrieval_metrics,
            "category": evals.metrics_by_category,
            "length": evals.metrics_by_length,
        }
        if by not in readers:
            raise EvalInputError(f"unknown grouping {by!r}; choose one of {', '.join(readers)}")
        return readers[by](self.warehouse.handle, self.id)

    def ranks(self, direction: Literal["t2v", "v2t"] | None = None) -> duckdb.DuckDBPyRelation:
        """Per-query ranks (direction, query_id, rank), both directions unless one is named."""
        params = {"eval_id": self.id, "direction": _direction(direction)}
        return self.warehouse.named("evals/query_ranks", params)

    def neighbours(self, direction: Literal["t2v", "v2t"] | None = None) -> duckdb.DuckDBPyRelation:
        """The stored top-k neighbours of every query (direction, query_id, position,
        target_id, score)."""
        params = {"eval_id": self.id, "direction": _direction(direction)}
        return self.warehouse.named("evals/query_neighbours", params)

    def report(self, out_dir: str | Path | None = None) -> Path:
        """Write this evaluation's markdown report; return its report.md."""
        from vtr.reports.retrieval import write_retrieval_report

        return write_retrieval_report(self.warehouse.handle, self.id, out_dir=_path(out_dir))


class Warehouse:
    """An open warehouse: a DuckDB catalog and LanceDB tables in one folder.

    Use it as a context manager, or call `close()`: DuckDB lets one process hold a
    catalog for writing, so hold it no longer than the work needs.
    """

    def __init__(self, handle: catalog.Warehouse) -> None:
        self.handle = handle

    @property
    def root(self) -> Path:
        return self.handle.root

    @property
    def read_only(self) -> bool:
        return self.handle.read_only

    def __repr__(self) -> str:
        return f"vtr.Warehouse({str(self.root)!r}{', read_only' if self.read_only else ''})"

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reading

    def sql(self, query: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """Any SQL over the catalog (tables, `retrieval_metrics` and the other views) with
        `$name` parameters bound from `params`; a DuckDB relation (`.df()`, `.arrow()`,
        `.pl()`, `.fetchall()`)."""
        return self.handle.con.sql(query, params=params or None)

    def named(self, name: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """One of vtr's named SQL files (`sql/<name>.sql`, e.g. "reports/leaderboard") as a
        relation, with its `$name` parameters bound from `params`."""
        from vtr.warehouse.queries import load_sql

        return self.handle.con.sql(load_sql(name), params=params or None)

    def datasets(self) -> list[dict[str, Any]]:
        """Every dataset: name, format, annotation file, video folder, counts."""
        return self.handle.rows("datasets/list")

    def variants(self, modality: Literal["text", "video"] | None = None) -> list[dict[str, Any]]:
        """Every embedding variant's catalog row (of one modality when given)."""
        from vtr.warehouse.variants import list_variants

        return list_variants(self.handle, modality)

    def vectors(
        self,
        variant: str,
        dataset: str | None = None,
        split: str | None = None,
        ids: Sequence[str] | None = None,
        format: VectorFormat = "numpy",
    ) -> tuple[list[str], Any]:
        """(ids, vectors) of a variant: every item of `dataset`, the items of `split` (a
        caption belongs to its video's split) or the given `ids`, in that order; vectors
        as a numpy array, a torch tensor or an Arrow table (item_id, vector)."""
        from vtr.warehouse.variants import get_variant

        row = get_variant(self.handle, variant)
        dataset = dataset or self._only_dataset()
        if ids is None:
            ids = self._item_ids(row["modality"], dataset, split)
        found, matrix = self.handle.vectors.read(row["lance_table"], dataset, list(ids))
        if format == "numpy":
            return found, matrix
        if format == "torch":
            import torch

            return found, torch.from_numpy(np.ascontiguousarray(matrix))
        if format == "arrow":
            import pyarrow as pa

            from vtr.warehouse.vectors import vectors_to_arrow

            table = pa.table({"item_id": found, "vector": vectors_to_arrow(matrix)})
            return found, table
        raise EvalInputError(f"unknown vector format {format!r}; choose numpy, torch or arrow")

    def evaluation(self, eval_id: int) -> Evaluation:
        """A stored evaluation by id (see `evaluations()`)."""
        return Evaluation(self, eval_id)

    def evaluations(self) -> list[dict[str, Any]]:
        """Every stored evaluation with its setup, coverage and R@1 both ways."""
        from vtr.warehouse.evals import list_evals

        return list_evals(self.handle)

    # ------------------------------------------------------------ writing

    def add_dataset(
        self,
        name: str,
        annotations: str | Path,
        videos: str | Path | None = None,
        format: str = "auto",
    ) -> dict[str, Any]:
        """Register a dataset from its annotation file; `videos` defaults to a `videos`
        folder beside the file when there is one. Returns the registration summary."""
        from vtr.ingest.datasets import register_dataset

        annotations = Path(annotations)
        if videos is None and (annotations.parent / "videos").is_dir():
            videos = annotations.parent / "videos"
        return register_dataset(self.handle, name, annotations, _path(videos), format=format)

    def ingest(
        self,
        dataset: str,
        video_backbones: Sequence[str] = (),
        text_backbones: Sequence[str] = (),
        **options: Any,
    ):
        """Embed the dataset's videos and captions with each backbone (`vtr ingest`);
        options as in `vtr.ingest.pipeline.ingest` (frames, temporal, layers, poolings,
        batch_size, workers, device, show_progress, ...). Returns the IngestSummary."""
        from vtr.ingest.pipeline import ingest

        return ingest(self.handle, dataset, list(video_backbones), list(text_backbones), **options)

    def import_features(
        self,
        dataset: str,
        modality: Literal["text", "video"],
        sources: str | Path | Sequence[str | Path],
        format: str = "auto",
        **options: Any,
    ) -> dict[str, Any]:
        """Import features you already have as one variant (`vtr import`): per-item
        `.npy` / `.npz` / `.pt` files, a parquet / Arrow / Lance table or a clip-retrieval
        folder; options as in `vtr.ingest.importers.run.import_embeddings` (backbone,
        temporal, naming, key, id_column, vector_column, ...). Returns the summary, whose
        `variant_id` names the new variant."""
        from vtr.ingest.importers.run import import_embeddings

        paths = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
        return import_embeddings(self.handle, dataset, modality, paths, format, **options).as_dict()

    def eval(
        self,
        dataset: str,
        text_variant: str,
        video_variant: str,
        split: str | None = "test",
        **options: Any,
    ) -> Evaluation:
        """Search the split (None: every video) and store ranks and neighbours (`vtr
        eval`); options as in `vtr.warehouse.evals.run_eval` (k, rerank, ties, protocol,
        missing, ...)."""
        from vtr.warehouse.evals import run_eval

        eval_id = run_eval(self.handle, dataset, split, text_variant, video_variant, **options)
        return Evaluation(self, eval_id)

    def train(self, dataset: str, text_variant: str, video_variant: str, **config: Any):
        """Train an alignment head (`vtr train`); config fields as in
        `vtr.models.train.TrainConfig` (head, loss, epochs, ...). Returns the TrainResult,
        whose `test_eval` is the trained variants' evaluation (`evaluation(...)`)."""
        from vtr.models.train import TrainConfig, train

        return train(self.handle, TrainConfig(dataset, text_variant, video_variant, **config))

    def report(
        self,
        eval_id: int | None = None,
        compare: Sequence[int] | None = None,
        train_run: int | None = None,
        dataset: str | None = None,
        out_dir: str | Path | None = None,
    ) -> Path:
        """Write one markdown report and return its report.md: an evaluation's
        (`eval_id`), a comparison (`compare`: eval ids, or [] for every evaluation), a
        training run's (`train_run`) or a dataset's (`dataset`)."""
        given = [x is not None for x in (eval_id, compare, train_run, dataset)]
        if sum(given) != 1:
            raise EvalInputError("give exactly one of eval_id, compare, train_run, dataset")
        out = _path(out_dir)
        if eval_id is not None:
            return Evaluation(self, eval_id).report(out)
        if compare is not None:
            from vtr.reports.compare import write_comparison_report

            return write_comparison_report(self.handle, list(compare) or None, out_dir=out)
        if train_run is not None:
            from vtr.reports.training import write_training_report

            return write_training_report(self.handle, train_run, out_dir=out)
        from vtr.reports.eda import write_eda_report

        return write_eda_report(self.handle, dataset, out_dir=out)

    # ------------------------------------------------------------ helpers

    def _only_dataset(self) -> str:
        names = [row["dataset"] for row in self.datasets()]
        if len(names) != 1:
            raise UnknownDataset(
                f"this warehouse holds {len(names)} datasets ({', '.join(names) or 'none'}); "
                "name one with dataset="
            )
        return names[0]

    def _item_ids(self, modality: str, dataset: str, split: str | None) -> list[str]:
        params = {"dataset": dataset, "split": split}
        if modality == "video":
            return [row["video_id"] for row in self.handle.rows("evals/split_videos", params)]
        if modality == "text":
            return [row["caption_id"] for row in self.handle.rows("evals/split_captions", params)]
        raise EvalInputError(f"variants of modality {modality!r} are read with ids=")


def open(path: str | Path, read_only: bool = False) -> Warehouse:  # noqa: A001
    """Open an existing warehouse (read-only: beside a writer's work, e.g. in a notebook)."""
    return Warehouse(catalog.open_warehouse(path, read_only=read_only))


def init(path: str | Path, exist_ok: bool = False) -> Warehouse:
    """Create a warehouse folder (catalog + Lance tables) and return it open."""
    return Warehouse(catalog.init_warehouse(path, exist_ok=exist_ok))


def synthesize(out_dir: str | Path, videos: int = 40, seed: int = 0) -> Path:
    """A synthetic retrieval corpus (real MP4s + MSR-VTT-style annotations) in `out_dir`;
    returns the annotations file, ready for `Warehouse.add_dataset`."""
    from vtr.ingest.synthetic import generate_retrieval_corpus

    return generate_retrieval_corpus(Path(out_dir), n_videos=videos, seed=seed)


def _direction(direction: str | None) -> str | None:
    if direction not in (None, "t2v", "v2t"):
        raise EvalInputError(f"unknown direction {direction!r}; choose t2v or v2t")
    return direction


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)
