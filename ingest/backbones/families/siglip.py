"""`siglip:PATH`: SigLIP and SigLIP 2 (transformers `AutoModel`), from a local folder or the
local Hugging Face cache (never downloaded).

| model type | video                                         | text                        |
| ---------- | --------------------------------------------- | --------------------------- |
| `siglip`   | `get_image_features` per frame (MAP head)     | `get_text_features`         |
| `siglip2`  | the same on the frame's patches (NaFlex, one  | `get_text_features`         |
|            | fixed square grid of `num_patches`)           |                             |

SigLIP has no [CLS] token: its own output is the attention-pooling head's, and its text
tower pools the last token of a `max_length`-padded sequence, as it was trained. Taps are
the library's own `hidden_states[k]` of the same forward pass. torch and transformers load
with the model, not with this module (spec checks stay light).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vtr.errors import BackboneError
from vtr.registry import BACKBONES

if TYPE_CHECKING:
    import torch

    from vtr.ingest.taps import Forward

SIGLIP_MEAN = SIGLIP_STD = (0.5, 0.5, 0.5)
MODEL_TYPES = ("siglip", "siglip2")


class SiglipEncoder:
    """Both towers of one SigLIP / SigLIP 2 model."""

    family = "siglip"
    video_native = False
    has_video_embed = True
    has_text_embed = True
    default_video_pooling = "mean"  # no [CLS] token to take
    default_pooling = "last"  # the token SigLIP's own text head pools

    def __init__(self, name: str, device: torch.device) -> None:
        from transformers import AutoModel

        from vtr.ingest.backbones.hf import load_pretrained, load_tokenizer

        model_dir, self.model = load_pretrained(AutoModel, self.family, name, device)
        cfg = self.model.config
        if cfg.model_type not in MODEL_TYPES:
            raise BackboneError(
                f"siglip:{name} is a {cfg.model_type!r} model, not one of {', '.join(MODEL_TYPES)}"
            )
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        vision, text = cfg.vision_config, cfg.text_config
        self.naflex = cfg.model_type == "siglip2"
        self.patch = int(vision.patch_size)
        side = math.isqrt(vision.num_patches) * self.patch if self.naflex else vision.image_size
        self.norm = _image_norm(model_dir, int(side))
        self.dim = int(getattr(text, "projection_size", None) or text.hidden_size)
        self.video_layers = int(vision.num_hidden_layers)
        self.video_width = int(vision.hidden_size)
        self.text_layers = int(text.num_hidden_layers)
        self.text_width = int(text.hidden_size)
        self.max_length = int(text.max_position_embeddings)
        self.weights = str(model_dir)

    def _image_inputs(self, images: torch.Tensor) -> dict[str, Any]:
        """(N, 3, H, W) -> the vision tower's inputs (SigLIP 2: patches, mask, grid)."""
        if not self.naflex:
            return {"pixel_values": images}
        n, channels, height, width = images.shape
        rows, cols = height // self.patch, width // self.patch
        patches = images.reshape(n, channels, rows, self.patch, cols, self.patch)
        patches = patches.permute(0, 2, 4, 3, 5, 1).reshape(n, rows * cols, -1)
        shapes = images.new_tensor([[rows, cols]] * n).long()
        mask = images.new_ones(n, rows * cols).long()
        return {"pixel_values": patches, "pixel_attention_mask": mask, "spatial_shapes": shapes}

    def _images(self, images: torch.Tensor, tap: bool):
        return self.model.get_image_features(**self._image_inputs(images), output_hidden_states=tap)

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        from vtr.ingest.backbones.hf import tapped_hidden
        from vtr.ingest.taps import Forward

        frames = frames.to(self.device, non_blocking=True)
        out = self._images(frames.flatten(0, 1), bool(layers))
        embed = out.pooler_output.view(*frames.shape[:2], -1)
        return Forward(embed, tapped_hidden(out, layers))

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        return self._images(frames.to(self.device), False).pooler_output

    def _tokens(self, texts: list[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            texts,
            padding="max_length",
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return {key: value.to(self.device) for key, value in enc.items() if key != "token_type_ids"}

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        from vtr.ingest.backbones.hf import tapped_hidden
        from vtr.ingest.taps import Forward

        tokens = self._tokens(texts)
        out = self.model.get_text_features(**tokens, output_hidden_states=bool(layers))
        ids = tokens["input_ids"]
        mask = tokens.get("attention_mask", ids.new_ones(ids.shape)).bool()
        return Forward(out.pooler_output, tapped_hidden(out, layers), mask)

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return self.forward_texts(texts, []).embed


def _image_norm(model_dir: Path, size: int):
    """Mean/std from the folder's preprocessor_config.json, else SigLIP's 0.5 / 0.5."""
    from vtr.ingest.backbones.base import ImageNorm

    path = model_dir / "preprocessor_config.json"
    cfg = json.loads(path.read_text()) if path.is_file() else {}
    mean = tuple(cfg.get("image_mean", SIGLIP_MEAN))
    return ImageNorm(size, mean, tuple(cfg.get("image_std", SIGLIP_STD)))


@BACKBONES.register(
    "siglip",
    help="SigLIP / SigLIP 2 (AutoModel): get_image_features per frame, get_text_features "
    "(max_length padding, last-token pooling)",
    towers=("video", "text"),
    spec="siglip:/path/to/model | siglip:ORG/NAME (local HF cache); SiglipModel, Siglip2Model",
    example="siglip:google/siglip-base-patch16-224",
)
def load(rest: str, device, seed: int) -> SiglipEncoder:
    return SiglipEncoder(rest, device)
