"""The Lightning module: a `TwoTower` head and a loss, one shared step for every split.

Validation / test retrieval (R@1, R@5, ...) goes through the same SQL metrics as
`vtr eval` (`vtr.warehouse.evals.metrics_for_similarity`) over the whole split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vtr.models.heads import TwoTower
from vtr.warehouse.evals import metrics_for_similarity
from vtr.warehouse.metric_defs import metric_names

SCHEDULES = ("cosine", "plateau", "none")
MONITOR = "val/R@1"  # early stopping, checkpoints and the plateau schedule follow it


@dataclass
class OptimConfig:
    lr: float = 1e-3
    weight_decay: float = 0.01
    schedule: str = "cosine"
    warmup_steps: int = 20
    plateau_patience: int = 2
    plateau_factor: float = 0.5


class AlignModule(L.LightningModule):
    """Trains `model` (a TwoTower) with `loss`; logs `<split>/loss` and `<split>/<metric>`
    for every T2V retrieval metric (`<split>/R@1`, ...)."""

    def __init__(self, model: TwoTower, loss: nn.Module, optim: OptimConfig | None = None):
        super().__init__()
        self.model, self.loss, self.optim = model, loss, optim or OptimConfig()
        if self.optim.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.optim.schedule!r}; choose from {SCHEDULES}")

    def step(self, batch: dict[str, torch.Tensor], split: str) -> torch.Tensor:
        """The step shared by train, val and test."""
        text = self.model.encode_text(batch["text"])
        video = self.model.encode_video(batch["video"])
        hard = None
        if "hard" in batch:
            b, k = batch["hard"].shape[:2]
            hard = self.model.encode_video(batch["hard"].flatten(0, 1)).view(b, k, -1)
        loss = self.loss(
            text, video, video_index=batch["video_index"], label=batch["label"], hard=hard
        )
        self.log(f"{split}/loss", loss, on_step=False, on_epoch=True, batch_size=len(text))
        return loss

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self.step(batch, "train")

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.step(batch, "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.step(batch, "test")

    def on_validation_epoch_end(self) -> None:
        self._log_retrieval("val")

    def on_test_epoch_end(self) -> None:
        self._log_retrieval("test")

    def _log_retrieval(self, split: str) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        if datamodule is None or self.trainer.sanity_checking:
            return
        texts, videos, gt = datamodule.retrieval_inputs(split)
        metrics = retrieval_metrics(self.model, texts, videos, gt, self.device)
        for key in metric_names():  # every metric of sql/schema/021_metrics.sql
            self.log(f"{split}/{key}", metrics["t2v"][key], sync_dist=True)

    def configure_optimizers(self):
        params = [p for p in self.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            params, lr=self.optim.lr, weight_decay=self.optim.weight_decay
        )
        if self.optim.schedule == "plateau":
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer,
                mode="max",
                factor=self.optim.plateau_factor,
                patience=self.optim.plateau_patience,
            )
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "monitor": MONITOR, "interval": "epoch"},
            }
        if self.optim.schedule == "cosine":
            total = max(1, int(self.trainer.estimated_stepping_batches))
            warmup = min(self.optim.warmup_steps, total // 2)
            lam = _cosine_with_warmup(warmup, total)
            scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lam)
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
            }
        return optimizer


@torch.no_grad()
def embed(fn, inputs: torch.Tensor, device, chunk: int = 4096) -> np.ndarray:
    """`fn` over `inputs` in chunks, L2-normalised, as a float32 numpy array."""
    parts = [
        F.normalize(fn(inputs[i : i + chunk].to(device)).float(), dim=-1).cpu()
        for i in range(0, len(inputs), chunk)
    ]
    return torch.cat(parts).numpy()


def retrieval_metrics(
    model: TwoTower, texts: torch.Tensor, videos: torch.Tensor, gt: np.ndarray, device="cpu"
) -> dict[str, dict[str, float]]:
    """Retrieval metrics of `model` on one split, through the SQL of `vtr eval`."""
    was_training = model.training
    model.eval()
    try:
        t = embed(model.encode_text, texts, device)
        v = embed(model.encode_video, videos, device)
    finally:
        model.train(was_training)
    return metrics_for_similarity(t @ v.T, gt)


def _cosine_with_warmup(warmup: int, total: int):
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor
