"""open_clip backbones: `open_clip:ARCH:WEIGHTS`.

WEIGHTS is a pretrained tag found in the local cache (e.g. `laion2b_s34b_b79k`),
a path to a checkpoint file, or `random` (seeded random init, for tests and the
offline demo). Nothing is downloaded: a tag whose file is not cached is an error
that says which file is missing and how to provide it.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

import open_clip
import torch

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.taps import Forward

CONFIG_DIR = Path(__file__).resolve().parent.parent / "model_configs"
_WEIGHT_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


@cache
def _register_shipped_configs() -> None:
    for path in sorted(CONFIG_DIR.glob("*.json")):
        open_clip.add_model_config(path)


def list_architectures() -> list[str]:
    """Every open_clip architecture, the ones shipped with vtr included."""
    _register_shipped_configs()
    return open_clip.list_models()


def resolve_weights(arch: str, weights: str) -> str | None:
    """A local file for `weights`, None for random init; BackboneError if not on disk."""
    if weights == "random":
        return None
    if os.path.sep in weights or weights.endswith((".bin", ".pt", ".pth", ".safetensors")):
        if not Path(weights).is_file():
            raise BackboneError(f"open_clip checkpoint file not found: {weights}")
        return weights
    cfg = open_clip.get_pretrained_cfg(arch, weights)
    if not cfg:
        tags = open_clip.list_pretrained_tags_by_model(arch)
        raise BackboneError(
            f"open_clip has no pretrained tag {weights!r} for {arch!r}; known tags: "
            f"{', '.join(tags) or '(none)'}; or pass a checkpoint path or 'random'"
        )
    return _cached_file(arch, weights, cfg)


def _cached_file(arch: str, tag: str, cfg: dict) -> str:
    from huggingface_hub import try_to_load_from_cache

    hub = cfg.get("hf_hub", "")
    if hub:
        repo, filename = os.path.split(hub)
        candidates = (filename[:-4] + ".safetensors", filename) if filename else _WEIGHT_FILES
        for name in candidates:
            found = try_to_load_from_cache(repo, name)
            if isinstance(found, str):
                return found
        raise BackboneError(
            f"weights for open_clip:{arch}:{tag} are not on this machine: nothing in the local "
            f"Hugging Face cache for {repo} ({' or '.join(candidates)}). On a machine with "
            f"internet run `hf download {repo}` and copy the cache folder "
            f"(~/.cache/huggingface/hub) here, or pass the checkpoint file path: "
            f"open_clip:{arch}:/path/to/{candidates[-1]}"
        )
    url = cfg.get("url", "")
    target = Path(os.path.expanduser("~/.cache/clip")) / os.path.basename(url)
    if target.is_file():
        return str(target)
    raise BackboneError(
        f"weights for open_clip:{arch}:{tag} are not on this machine: expected {target} "
        f"(from {url}); download it elsewhere and copy it there, or pass its path"
    )


class OpenClipModel:
    """Both towers of one open_clip model, so text and video variants share weights."""

    def __init__(self, arch: str, weights: str, device: torch.device, seed: int = 0) -> None:
        _register_shipped_configs()
        if arch not in open_clip.list_models():
            raise BackboneError(
                f"unknown open_clip architecture {arch!r}; see `vtr backbones` for the list"
            )
        checkpoint = resolve_weights(arch, weights)
        torch.manual_seed(seed)
        quiet = logging.getLogger()
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # open_clip logs a warning for every random init
        try:
            model = open_clip.create_model(arch, pretrained=checkpoint, device=device)
        except (RuntimeError, OSError, ValueError) as err:
            raise BackboneError(f"cannot load open_clip:{arch} from {checkpoint}: {err}") from None
        finally:
            quiet.setLevel(level)
        self.model = model.eval()
        self.device = device
        self.tokenizer = open_clip.get_tokenizer(arch)
        size = model.visual.image_size
        size = size[0] if isinstance(size, tuple | list) else size
        mean = getattr(model.visual, "image_mean", None) or open_clip.OPENAI_DATASET_MEAN
        std = getattr(model.visual, "image_std", None) or open_clip.OPENAI_DATASET_STD
        self.norm = ImageNorm(int(size), tuple(mean), tuple(std))
        self.dim = int(open_clip.get_model_config(arch)["embed_dim"])
        self.weights = f"random init (seed {seed})" if checkpoint is None else checkpoint
        self.text_tower = getattr(model, "text", None)  # CustomTextCLIP keeps its text tower here
        # towers that are not open_clip transformers (timm, HF text) offer no taps: 0 layers
        self.video_layers, self.video_width = _blocks(model.visual, self.dim)
        self.text_layers, self.text_width = _blocks(self.text_tower or model, self.dim)
        self.first_layer = 1  # open_clip returns block outputs only: layers 1..n
        self.video_native = False
        self.has_video_embed = True
        self.default_video_pooling = "first"
        self.has_text_embed = True
        self.default_pooling = "last"

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(frames.to(self.device, non_blocking=True))

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        tokens = self.tokenizer(texts).to(self.device)
        return self.model.encode_text(tokens)

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        """(B, T, 3, H, W) -> per-frame `encode_image` output and the tapped token states."""
        n_videos, n_frames = frames.shape[:2]
        x = frames.flatten(0, 1).to(self.device, non_blocking=True)
        if not layers:
            return Forward(self.model.encode_image(x).view(n_videos, n_frames, -1))
        out = self.model.visual.forward_intermediates(
            x, indices=_block_indices(layers), output_fmt="NLC", output_extra_tokens=True
        )
        hidden = {
            layer: torch.cat([prefix, tokens], dim=1)  # class token first, then patches
            for layer, prefix, tokens in zip(
                layers, out["image_intermediates_prefix"], out["image_intermediates"], strict=True
            )
        }
        return Forward(out["image_features"].view(n_videos, n_frames, -1), hidden)

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        """Strings -> `encode_text` output and the tapped token states (pad id 0 is masked)."""
        tokens = self.tokenizer(texts).to(self.device)
        mask = tokens != 0
        if not layers:
            return Forward(self.model.encode_text(tokens), mask=mask)
        if self.text_tower is not None:
            out = self.text_tower.forward_intermediates(tokens, indices=_block_indices(layers))
        else:
            out = self.model.forward_intermediates(
                text=tokens, text_indices=_block_indices(layers), normalize=False
            )
        hidden = dict(zip(layers, out["text_intermediates"], strict=True))
        return Forward(out["text_features"], hidden, mask)


def _blocks(tower, default_width: int) -> tuple[int, int]:
    """(number of blocks, token width) of an open_clip transformer tower; (0, dim) otherwise."""
    transformer = getattr(tower, "transformer", None)
    blocks = getattr(transformer, "resblocks", None)
    if blocks is None or not hasattr(tower, "forward_intermediates"):
        return 0, default_width
    return len(blocks), int(transformer.width)


def _block_indices(layers: list[int]) -> list[int]:
    """Layer k (output of block k) is open_clip's intermediate index k - 1."""
    if min(layers) < 1:
        raise TapError("open_clip towers tap the outputs of blocks 1..n, not layer 0")
    return [layer - 1 for layer in layers]
