"""Lightning plumbing shared by the trainers: quiet start-up and a small, plain fit."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import lightning as L
import torch


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


def fit_plainly(
    module: L.LightningModule, loader: torch.utils.data.DataLoader, epochs: int
) -> L.Trainer:
    """Fit `module` for `epochs` on one device (CUDA when present), deterministic, with no
    logger, checkpoints or progress bar; return the trainer (its callback_metrics)."""
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
        )
        trainer.fit(module, loader)
    return trainer
