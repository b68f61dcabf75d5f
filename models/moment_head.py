"""A query-conditioned head over a video's clip sequence: per-clip saliency + span.

Clip features (optionally concatenated with the embeddings of the clips' captions) and
the query embedding are projected to one width, fused per clip as [clip, query,
clip * query], passed through residual temporal convolutions, and read out as
* a saliency score per clip (regressing the annotators' mean score / 4), and
* an in-window logit per clip (is the clip inside a relevant window): the span map
  that `propose_windows` turns into ranked windows.
Trained with Lightning on the train split's sequences (read through the
`moment_clip_labels` view); the checkpoint holds the weights and the config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vtr.models.fitting import fit_plainly
from vtr.models.moment_data import MomentSample


class MomentHead(nn.Module):
    def __init__(
        self, d_video: int, d_text: int, d_caption: int = 0, hidden: int = 128, layers: int = 2
    ) -> None:
        super().__init__()
        d_clip = d_video + d_caption
        self.clip_proj = nn.Sequential(nn.LayerNorm(d_clip), nn.Linear(d_clip, hidden))
        self.query_proj = nn.Sequential(nn.LayerNorm(d_text), nn.Linear(d_text, hidden))
        self.fuse = nn.Linear(3 * hidden, hidden)
        self.temporal = nn.ModuleList(
            nn.Conv1d(hidden, hidden, kernel_size=3, padding=1) for _ in range(layers)
        )
        self.out = nn.Linear(hidden, 2)  # saliency, in-window logit

    def forward(
        self, clips: torch.Tensor, query: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """clips (B, N, d_clip), query (B, d_text), mask (B, N) -> saliency, in-window logit."""
        c = self.clip_proj(clips)
        q = self.query_proj(query)[:, None, :].expand_as(c)
        x = F.gelu(self.fuse(torch.cat([c, q, c * q], dim=-1))) * mask[..., None]
        for conv in self.temporal:
            x = x + F.gelu(conv(x.transpose(1, 2)).transpose(1, 2)) * mask[..., None]
        out = self.out(x)
        return out[..., 0], out[..., 1]


def clip_features(sample: MomentSample, captions: bool) -> np.ndarray:
    if captions:
        if sample.captions is None:
            raise ValueError(f"query {sample.qid}: the head fuses captions but none were loaded")
        return np.concatenate([sample.clips, sample.captions], axis=1)
    return sample.clips


def collate(samples: list[MomentSample], captions: bool) -> dict[str, torch.Tensor]:
    """Pad a batch of sequences; labels default to 0 where a split is unlabelled."""
    n = max(s.n_clips for s in samples)
    feats = [clip_features(s, captions) for s in samples]
    clips = torch.zeros(len(samples), n, feats[0].shape[1])
    mask = torch.zeros(len(samples), n)
    saliency = torch.zeros(len(samples), n)
    inside = torch.zeros(len(samples), n)
    for i, (s, f) in enumerate(zip(samples, feats, strict=True)):
        clips[i, : s.n_clips] = torch.from_numpy(f.astype(np.float32))
        mask[i, : s.n_clips] = 1
        if s.saliency is not None:
            saliency[i, : s.n_clips] = torch.from_numpy(s.saliency / 4.0)
            inside[i, : s.n_clips] = torch.from_numpy(s.in_window)
    query = torch.from_numpy(np.stack([s.query_vec for s in samples]).astype(np.float32))
    return {"clips": clips, "query": query, "mask": mask, "saliency": saliency, "inside": inside}


class MomentModule(L.LightningModule):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config = config
        self.head = build_head(config)

    def _loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        saliency, inside = self.head(batch["clips"], batch["query"], batch["mask"])
        mask = batch["mask"]
        bce = F.binary_cross_entropy_with_logits(inside, batch["inside"], reduction="none")
        mse = (saliency - batch["saliency"]) ** 2
        return ((bce + mse) * mask).sum() / mask.sum()

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch)
        self.log("train_loss", loss, prog_bar=False, batch_size=len(batch["query"]))
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            self.parameters(), lr=self.config["lr"], weight_decay=self.config["weight_decay"]
        )


def build_head(config: dict[str, Any]) -> MomentHead:
    return MomentHead(
        config["d_video"],
        config["d_text"],
        config["d_text"] if config["captions"] else 0,
        hidden=config["hidden"],
        layers=config["layers"],
    )


def fit_head(
    samples: list[MomentSample],
    captions: bool = False,
    epochs: int = 40,
    hidden: int = 128,
    layers: int = 2,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    batch_size: int = 16,
    seed: int = 0,
) -> tuple[MomentHead, dict[str, Any]]:
    """Train a head on labelled samples; return it (eval mode) and its config."""
    if not samples or any(s.saliency is None for s in samples):
        raise ValueError("training needs labelled queries (windows and saliency)")
    L.seed_everything(seed, workers=False, verbose=False)
    config = {
        "d_video": int(samples[0].clips.shape[1]),
        "d_text": int(samples[0].query_vec.shape[0]),
        "captions": captions,
        "hidden": hidden,
        "layers": layers,
        "lr": lr,
        "weight_decay": weight_decay,
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "n_train_queries": len(samples),
    }
    module = MomentModule(config)
    loader = torch.utils.data.DataLoader(
        samples,
        batch_size=batch_size,
        shuffle=True,
        collate_fn=lambda batch: collate(batch, captions),
        generator=torch.Generator().manual_seed(seed),
    )
    fit_plainly(module, loader, epochs, label="train moments")
    head = module.head.cpu().eval()
    return head, config


def save_head(head: MomentHead, config: dict[str, Any], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": config, "state_dict": head.state_dict()}, path)
    return path


def load_head(path: Path) -> tuple[MomentHead, dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        from vtr.errors import EvalInputError

        raise EvalInputError(
            f"checkpoint {path} does not exist; train one with `vtr train moments`"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    head = build_head(state["config"])
    head.load_state_dict(state["state_dict"])
    return head.eval(), state["config"]


@torch.inference_mode()
def head_scores(
    head: MomentHead, sample: MomentSample, captions: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(saliency, in-window probability) per clip of one query."""
    use_captions = sample.captions is not None if captions is None else captions
    batch = collate([sample], use_captions)
    saliency, inside = head(batch["clips"], batch["query"], batch["mask"])
    return saliency[0].numpy().astype(np.float64), torch.sigmoid(inside[0]).numpy().astype(
        np.float64
    )
