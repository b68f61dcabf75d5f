"""Lightning plumbing shared by the trainers: quiet start-up, epoch progress, a plain fit."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback

from vtr.progress import progress_bar


@contextmanager
def quiet_lightning() -> Iterator[None]:
    """Lightning's start-up banners (accelerator, tips) off; warnings and errors stay on."""
    logger = logging.getLogger("lightning.pytorch")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*LeafSpec.*")
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            yield
    finally:
        logger.setLevel(level)


class EpochProgress(Callback):
    """Epochs done and the latest values of `metrics` on stderr, through `vtr.progress`
    (a bar on a terminal, timed lines elsewhere); only on the global-zero rank."""

    def __init__(self, label: str, metrics: tuple[str, ...]) -> None:
        self.label, self.metrics = label, metrics
        self._stack: ExitStack | None = None
        self._progress = self._task = None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        self._stack = ExitStack()
        self._progress = self._stack.enter_context(progress_bar())
        total = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else None
        self._task = self._progress.add_task(self.label, total=total, unit="epochs")

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, advance=1, status=self.status(trainer))

    def status(self, trainer: L.Trainer) -> str:
        """`name value` of each of `metrics` that the trainer holds now."""
        values = trainer.callback_metrics
        return ", ".join(f"{key} {float(values[key]):.4g}" for key in self.metrics if key in values)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._progress is not None and trainer.should_stop:
            (task,) = self._progress.tasks  # this callback's one task
            if task.total is not None and task.completed < task.total:
                status = self.status(trainer)
                self._progress.update(self._task, status=f"{status} (stopped early)".strip())
        self._close()

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, err) -> None:
        self._close()

    def _close(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack = self._progress = self._task = None


def fit_plainly(
    module: L.LightningModule,
    loader: torch.utils.data.DataLoader,
    epochs: int,
    label: str = "training",
    metrics: tuple[str, ...] = ("train_loss",),
) -> L.Trainer:
    """Fit `module` for `epochs` on one device (CUDA when present), deterministic, with no
    logger or checkpoints, showing epochs and `metrics` as it goes (`EpochProgress`
    under `label`); return the trainer (its callback_metrics)."""
    with quiet_lightning():  # the banners come from the Trainer's constructor too
        trainer = L.Trainer(
            max_epochs=epochs,
            accelerator="auto",
            devices=1,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            deterministic=True,
            callbacks=[EpochProgress(label, metrics)],
        )
        trainer.fit(module, loader)
    return trainer
