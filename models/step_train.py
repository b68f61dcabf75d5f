"""`vtr train steps`: contrastive chunk <-> step adapters over frozen embeddings.

Two small adapters map a text variant (step descriptions) and a clip variant (video
chunks) into one space. The loss is InfoNCE both ways on the train split's videos:
each (step, chunk-inside-the-step) pair against `neg_ratio` sampled negative chunks
per positive (background and other steps, of the same video and of others), and
each chunk inside a step against every step of the batch. AdamW with
reduce-on-plateau (the learning rate adapts to the loss). The adapted embeddings of
every split are written back as two new variants, so `vtr predict steps` (and SQL)
use them like any other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vtr.models.fitting import fit_plainly
from vtr.models.step_data import StepVideo, load_step_videos
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.runs import run_lifecycle
from vtr.warehouse.variants import Variant, get_variant, register_variant


class Adapter(nn.Module):
    """LayerNorm -> Linear -> GELU -> Linear into `dim`, plus a linear skip path."""

    def __init__(self, d_in: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.skip = nn.Linear(d_in, dim, bias=False)
        self.mlp = nn.Sequential(
            nn.LayerNorm(d_in), nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.skip(x) + self.mlp(x), dim=-1)


class StepModule(L.LightningModule):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config = config
        self.text = Adapter(config["d_text"], config["dim"], config["hidden"])
        self.video = Adapter(config["d_video"], config["dim"], config["hidden"])
        self.generator = torch.Generator().manual_seed(config["seed"])

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        steps, chunks = self.text(batch["steps"]), self.video(batch["chunks"])
        sim = steps @ chunks.T / self.config["temperature"]  # (all steps, all chunks)
        owner = batch["chunk_step"]  # (all chunks,) global step index or -1
        inside = owner >= 0
        # chunk -> steps: a chunk inside a step against every step of the batch
        chunk_loss = F.cross_entropy(sim.T[inside], owner[inside])
        # step -> chunks: each positive against neg_ratio sampled negative chunks
        pos_step, pos_chunk = owner[inside], torch.nonzero(inside).squeeze(1)
        k = self.config["neg_ratio"]
        neg = torch.randint(0, len(owner), (len(pos_chunk), 4 * k), generator=self.generator)
        neg = neg.to(sim.device)
        valid = owner[neg] != pos_step[:, None]
        order = torch.argsort((~valid).float(), dim=1, stable=True)[:, :k]
        neg = torch.gather(neg, 1, order)
        pos_logit = sim[pos_step, pos_chunk][:, None]
        neg_logit = sim[pos_step[:, None], neg].masked_fill(
            ~torch.gather(valid, 1, order), float("-inf")
        )
        logits = torch.cat([pos_logit, neg_logit], dim=1)
        step_loss = F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long))
        loss = (chunk_loss + step_loss) / 2
        self.log("train_loss", loss, on_epoch=True, on_step=False, batch_size=len(steps))
        return loss

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.config["lr"], weight_decay=1e-4)
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)
        return {
            "optimizer": opt,
            "lr_scheduler": {"scheduler": plateau, "monitor": "train_loss", "interval": "epoch"},
        }


def _collate(videos: list[StepVideo]) -> dict[str, torch.Tensor]:
    offsets = np.cumsum([0] + [len(v.qids) for v in videos[:-1]])
    return {
        "steps": torch.as_tensor(np.concatenate([v.steps for v in videos]), dtype=torch.float32),
        "chunks": torch.as_tensor(np.concatenate([v.chunks for v in videos]), dtype=torch.float32),
        "chunk_step": torch.as_tensor(
            np.concatenate(
                [
                    np.where(v.chunk_step >= 0, v.chunk_step + o, -1)
                    for v, o in zip(videos, offsets, strict=True)
                ]
            ),
            dtype=torch.long,
        ),
    }


def train_steps(
    wh: Warehouse,
    dataset: str,
    text_variant: str,
    video_variant: str,
    dim: int = 256,
    hidden: int = 512,
    epochs: int = 30,
    batch_videos: int = 8,
    neg_ratio: int = 8,
    temperature: float = 0.07,
    lr: float = 1e-3,
    seed: int = 0,
) -> dict[str, Any]:
    """Train the adapters on the train split; write the adapted variants; return a summary."""
    torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    L.seed_everything(seed, workers=False, verbose=False)
    train = load_step_videos(wh, dataset, "train", text_variant, video_variant)
    config = {
        "dataset": dataset,
        "text_variant": text_variant,
        "video_variant": video_variant,
        "d_text": int(train[0].steps.shape[1]),
        "d_video": int(train[0].chunks.shape[1]),
        "dim": dim,
        "hidden": hidden,
        "epochs": epochs,
        "batch_videos": batch_videos,
        "neg_ratio": neg_ratio,
        "temperature": temperature,
        "lr": lr,
        "seed": seed,
        "n_train_videos": len(train),
    }
    with run_lifecycle(wh, "train-steps", config) as run:
        module = StepModule(config)
        loader = torch.utils.data.DataLoader(
            train,
            batch_size=batch_videos,
            shuffle=True,
            collate_fn=_collate,
            generator=torch.Generator().manual_seed(seed),
        )
        trainer = fit_plainly(module, loader, epochs, label="train steps")
        losses = float(trainer.callback_metrics.get("train_loss", torch.tensor(float("nan"))))
        variants = _write_back(wh, dataset, module, text_variant, video_variant, run.id)
        run.summary = {"run_id": run.id, "final_train_loss": losses, **variants}
    return run.summary


def _write_back(wh, dataset, module, text_variant, video_variant, run_id) -> dict[str, str]:
    """Adapted vectors of every split's steps and chunks, as two new variants."""
    module = module.cpu().eval()
    out = {}
    for key, source, adapter in (
        ("text_variant", text_variant, module.text),
        ("video_variant", video_variant, module.video),
    ):
        row = get_variant(wh, source)
        base = Variant.parse(source)
        variant = replace(base, backbone=f"{base.backbone}+step-adapter:r{run_id}")
        ids, matrix = wh.vectors.read(row["lance_table"], dataset)
        with torch.no_grad():
            adapted = adapter(torch.tensor(matrix, dtype=torch.float32)).numpy()
        register_variant(
            wh, variant, adapted.shape[1], {"trained_from": source, "head_run": run_id}
        )
        wh.vectors.append(variant.lance_table, dataset, ids, adapted)
        out[key] = variant.id
    return out
