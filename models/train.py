"""`vtr train`: fit an alignment head on the pair views, write its embeddings back as variants.

One call records a `train` run (config, metrics per epoch, checkpoint), embeds every caption
and every video of the dataset through the best checkpoint, writes them as NEW variants
(`<source backbone>+head:<run id>`), and evaluates their test split with `run_eval`, so
`vtr eval`, `vtr report` and SQL see them like any other variant.
"""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from torch import nn

from vtr.errors import TrainInputError
from vtr.models.data import PairDataModule
from vtr.models.distributed import load_shared_data, process_rank, share_data
from vtr.models.fitting import EpochProgress, quiet_lightning
from vtr.models.heads import Frozen, Standardize, TwoTower, build_head
from vtr.models.heads.proj import Projection
from vtr.models.losses import build_loss
from vtr.models.module import (
    MONITOR,
    SCHEDULES,
    AlignModule,
    OptimConfig,
    embed,
    retrieval_metrics,
)
from vtr.models.train_config import TrainConfig
from vtr.registry import HEADS, LOSSES
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.evals import retrieval_metrics as eval_metrics
from vtr.warehouse.evals import run_eval
from vtr.warehouse.runs import run_lifecycle
from vtr.warehouse.variants import Variant, get_variant, register_variant

TOWERS = ("text", "video", "both")
BEFORE_TRAINING = -1  # train_metrics.epoch of the untrained head's metrics


@dataclass
class TrainResult:
    run_id: int
    text_variant: str
    video_variant: str
    checkpoint: str
    test_eval: int
    best_val_r1: float
    untrained: dict[str, dict[str, float]]
    trained: dict[str, dict[str, float]]
    epochs: list[dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class EpochRecorder(Callback):
    """Collects `<split>/<metric>` values at the end of every training epoch."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        values = {k: float(v) for k, v in trainer.callback_metrics.items() if "/" in k}
        values["lr"] = float(trainer.optimizers[0].param_groups[0]["lr"])
        self.epochs.append({"epoch": trainer.current_epoch, **values})


def train(wh: Warehouse, config: TrainConfig) -> TrainResult:
    """Train, record, write back and evaluate; see the module docstring."""
    _check(wh, config)
    with run_lifecycle(wh, "train", {**asdict(config), "tower": config.head_tower}) as run:
        with quiet_lightning():
            result = _train(wh, config, run.id)
        run.summary = result.as_dict()
    return result


def build_model(
    config: TrainConfig,
    text_dim: int,
    video_dim: int,
    stats: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
) -> TwoTower:
    """The head on the tower(s) `config` names; the other tower frozen (or linearly mapped
    into the shared space when its dim differs). A trained tower standardises its input
    with `stats[tower]` = (mean, std) of the training split when given."""
    out = config.dim or video_dim
    towers = {}
    for name, in_dim in (("text", text_dim), ("video", video_dim)):
        if config.head_tower in (name, "both"):
            head = build_head(
                config.head, in_dim, out, config.widths, config.dropout, config.layers, config.heads
            )
        elif in_dim == out:
            towers[name] = Frozen()
            continue
        else:
            head = Projection(in_dim, out)
        towers[name] = nn.Sequential(Standardize(*stats[name]), head) if stats else head
    return TwoTower(towers["text"], towers["video"])


def _train(wh: Warehouse, config: TrainConfig, run_id: int) -> TrainResult:
    out_dir = Path(config.out_dir) if config.out_dir else wh.root / "training" / f"run-{run_id}"
    L.seed_everything(config.seed, workers=True, verbose=False)
    data = PairDataModule(
        wh,
        config.dataset,
        config.text_variant,
        config.video_variant,
        mode=LOSSES.entry(config.loss).meta["pairs"],
        batch_size=config.batch_size,
        negatives=config.negatives,
        hard_k=config.hard_k,
        hard_eval=_mining_eval(wh, config) if config.loss == "infonce-hard" else None,
        seed=config.seed,
        workers=config.workers,
    )
    data.setup()
    model = build_model(config, data.text.dim, data.video.dim, data.feature_stats())
    untrained = retrieval_metrics(model, *data.retrieval_inputs("test"))
    fitted = fit_head(config, data, model, out_dir)
    best = fitted.checkpoint
    text_id, video_id = _write_back(wh, config, run_id, model, data, best.best_model_path)
    test_eval = run_eval(wh, config.dataset, "test", text_id, video_id)
    result = TrainResult(
        run_id,
        text_id,
        video_id,
        str(Path(best.best_model_path).resolve()),
        test_eval,
        float(best.best_model_score),
        untrained,
        eval_metrics(wh, test_eval),
        fitted.epochs,
    )
    _record(wh, config, result, untrained, {"epoch": fitted.best_epoch, **fitted.test_metrics})
    return result


@dataclass
class Fitted:
    checkpoint: ModelCheckpoint
    best_epoch: int
    test_metrics: dict[str, float]
    epochs: list[dict[str, float]]


def fit_head(config: TrainConfig, data: PairDataModule, model: TwoTower, out_dir: Path) -> Fitted:
    """Fit, reload the best checkpoint and test it: the part every rank of a
    multi-process run executes together (see models/distributed.py)."""
    loss = build_loss(config.loss, config.temperature, config.learnable_temperature, config.margin)
    optim = OptimConfig(config.lr, config.weight_decay, config.schedule, config.warmup_steps)
    module = AlignModule(model, loss, optim)
    checkpoint = ModelCheckpoint(
        dirpath=out_dir / "checkpoints", filename="best", monitor=MONITOR, mode="max"
    )
    recorder = EpochRecorder()
    # Lightning's own per-step bar (--progress) replaces the per-epoch one
    shown = [] if config.show_progress else [EpochProgress("train head", (MONITOR, "train/loss"))]
    trainer = L.Trainer(
        max_epochs=config.epochs,
        accelerator=config.accelerator,
        devices=config.devices,
        num_nodes=config.num_nodes,
        strategy=config.strategy,
        precision=config.precision,
        gradient_clip_val=config.grad_clip or None,
        callbacks=[
            checkpoint,
            EarlyStopping(monitor=MONITOR, mode="max", patience=config.patience),
            recorder,
            *shown,
        ],
        logger=_loggers(out_dir),
        default_root_dir=out_dir,
        num_sanity_val_steps=0,
        log_every_n_steps=1,
        enable_progress_bar=config.show_progress,
        enable_model_summary=False,
    )
    shared = None
    if trainer.world_size > 1 and process_rank() == 0:
        shared = share_data({"out_dir": str(out_dir), **data.snapshot()}, out_dir)
    try:
        trainer.fit(module, datamodule=data)
        best = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=False)
        module.load_state_dict(best["state_dict"])
        trainer.test(module, datamodule=data, verbose=False)
    finally:
        if shared is not None:
            shared.unlink(missing_ok=True)
    test_metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k[:5] == "test/"}
    return Fitted(checkpoint, int(best["epoch"]), test_metrics, recorder.epochs)


def train_other_rank(config: TrainConfig) -> None:
    """A rank > 0 of a multi-process run: train on rank 0's data, write nothing."""
    snapshot = load_shared_data(config.out_dir)
    data = PairDataModule.from_snapshot(snapshot)
    L.seed_everything(config.seed, workers=True, verbose=False)
    model = build_model(config, data.text.dim, data.video.dim, data.feature_stats())
    with quiet_lightning():
        fit_head(config, data, model, Path(snapshot["out_dir"]))


def _check(wh: Warehouse, config: TrainConfig) -> None:
    for value, options, what in (
        (config.head, HEADS.names(), "head"),
        (config.loss, LOSSES.names(), "loss"),
        (config.head_tower, TOWERS, "tower"),
        (config.schedule, SCHEDULES, "schedule"),
    ):
        if value not in options:
            raise TrainInputError(f"unknown {what} {value!r}; choose from {', '.join(options)}")
    for variant_id, modality in ((config.text_variant, "text"), (config.video_variant, "video")):
        row = get_variant(wh, variant_id)
        if row["modality"] != modality:
            raise TrainInputError(
                f"{modality} variant {variant_id!r} is a {row['modality']} variant"
            )
    if config.loss == "infonce-hard" and config.hard_k < 1:
        raise TrainInputError("infonce-hard needs --hard-k of at least 1")
    for value, what in ((config.epochs, "--epochs"), (config.batch_size, "--batch-size")):
        if value < 1:
            raise TrainInputError(f"{what} must be at least 1, not {value}")
    check_splits(wh, config.dataset)


def check_splits(wh: Warehouse, dataset: str) -> None:
    """TrainInputError naming every empty split of train (fit), val (early stopping) and
    test (the before/after evaluation), with the splits the dataset does have."""
    counts = {row["split"]: row for row in wh.rows("training/split_counts", {"dataset": dataset})}
    empty = [s for s in SPLITS if not counts.get(s) or not counts[s]["n_captions"]]
    if empty:
        have = ", ".join(
            f"{name} ({row['n_videos']} videos, {row['n_captions']} captions)"
            for name, row in counts.items()
        )
        raise TrainInputError(
            f"dataset {dataset!r} has no captioned videos in split(s) {', '.join(empty)}; "
            f"training needs train (fit), val (early stopping) and test (evaluation); "
            f"the dataset has: {have or 'no videos'}"
        )


SPLITS = ("train", "val", "test")


def _mining_eval(wh: Warehouse, config: TrainConfig) -> int:
    """An exact search of the train split under the mining variants (default: the
    training ones), keeping hard_k + 1 neighbours per caption: the hard-negative source."""
    text = config.mine_text_variant or config.text_variant
    video = config.mine_video_variant or config.video_variant
    if get_variant(wh, text)["dim"] != get_variant(wh, video)["dim"]:
        raise TrainInputError(
            f"hard negatives are mined by searching with one text and one video variant in one "
            f"space, but {text!r} and {video!r} have different dims; pass "
            "--mine-text-variant / --mine-video-variant (e.g. a pair written by an earlier head)"
        )
    return run_eval(wh, config.dataset, "train", text, video, k=config.hard_k + 1)


def _write_back(wh, config, run_id, model, data, checkpoint) -> tuple[str, str]:
    """Embed every caption and video of the dataset; write them as the run's new variants."""
    model.eval()
    device = next(model.parameters(), torch.zeros(0)).device
    ids = []
    for source, vectors, encode in (
        (config.text_variant, data.text, model.encode_text),
        (config.video_variant, data.video, model.encode_video),
    ):
        variant = Variant.parse(source).trained_by(run_id)
        matrix = embed(encode, vectors.matrix, device)
        extra = {
            "source_variant": source,
            "train_run": run_id,
            "head": config.head if config.head_tower in (variant.modality, "both") else "frozen",
            "checkpoint": str(Path(checkpoint).resolve()),
            "normalised": "L2",
        }
        register_variant(wh, variant, int(matrix.shape[1]), extra)
        wh.vectors.append(variant.lance_table, config.dataset, vectors.ids.to_pylist(), matrix)
        ids.append(variant.id)
    return ids[0], ids[1]


def _record(wh, config, result: TrainResult, untrained, test_metrics) -> None:
    rows = [
        {"run_id": result.run_id, "epoch": int(e["epoch"]), "name": k, "value": v}
        for e in result.epochs
        for k, v in e.items()
        if k != "epoch"
    ]
    rows += [
        {"run_id": result.run_id, "epoch": BEFORE_TRAINING, "name": f"test/{k}", "value": v}
        for k, v in untrained["t2v"].items()
    ]
    rows += [
        {"run_id": result.run_id, "epoch": test_metrics["epoch"], "name": k, "value": v}
        for k, v in test_metrics.items()
        if k != "epoch"
    ]
    with wh.transaction():
        wh.sql(
            "training/insert_run",
            {
                "run_id": result.run_id,
                "dataset": config.dataset,
                "text_variant": config.text_variant,
                "video_variant": config.video_variant,
                "head": config.head,
                "loss": config.loss,
                "checkpoint": result.checkpoint,
                "best_val_r1": result.best_val_r1,
                "out_text_variant": result.text_variant,
                "out_video_variant": result.video_variant,
                "test_eval": result.test_eval,
            },
        )
        wh.sql_many("training/insert_metric", rows)


def _loggers(out_dir: Path) -> list:
    loggers = [CSVLogger(out_dir, name="", version="")]
    if importlib.util.find_spec("tensorboard") is not None:
        loggers.append(TensorBoardLogger(out_dir, name="", version="", default_hp_metric=False))
    return loggers
