"""Hugging Face transformers backbones, loaded from a local folder or the local HF cache.

| family    | class                  | video                               | text                |
| --------- | ---------------------- | ----------------------------------- | ------------------- |
| `hf_clip` | `CLIPModel`            | `get_image_features` per frame      | `get_text_features` |
| `xclip`   | `XCLIPModel`           | `get_video_features` (video-native) | `get_text_features` |
| `hf_text` | `AutoModel`            | -                                   | hidden states only  |
| `lm`      | `AutoModelForCausalLM` | -                                   | hidden states only  |

Every tower returns the hidden states of the requested layers from the same
forward pass (`output_hidden_states=True`). X-CLIP's full text embedding is
conditioned on the video by its prompt generator, so one caption would have a
different vector per video and could not be stored once; vtr stores X-CLIP's
text-only projection (`get_text_features`), the text side before the video prompt.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.backbones.local import local_model_dir
from vtr.ingest.taps import Forward

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def load_pretrained(loader, family: str, name: str, device: torch.device):
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model_dir = local_model_dir(name, family)
    try:
        model = loader.from_pretrained(model_dir, local_files_only=True)
    except (OSError, ValueError, KeyError) as err:
        raise BackboneError(f"cannot load {family}:{name} from {model_dir}: {err}") from None
    return model_dir, model.to(device).eval()


def load_tokenizer(model_dir: Path, family: str):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    except (OSError, ValueError, KeyError) as err:
        raise BackboneError(f"{family}: no tokenizer in {model_dir}: {err}") from None
    if tokenizer.pad_token is None:  # decoder-only LMs often ship without one
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


def image_norm(
    model_dir: Path,
    image_size: int,
    mean: tuple[float, float, float] = CLIP_MEAN,
    std: tuple[float, float, float] = CLIP_STD,
) -> ImageNorm:
    """Mean/std/size from the folder's preprocessor_config.json (or, for video processors,
    video_preprocessor_config.json), else `mean`/`std` (CLIP's); `do_normalize: false`
    means pixels in [0, 1] as they are."""
    paths = [
        model_dir / name for name in ("preprocessor_config.json", "video_preprocessor_config.json")
    ]
    cfg = next((json.loads(p.read_text()) for p in paths if p.is_file()), {})
    crop = cfg.get("crop_size", image_size)
    size = crop.get("height", image_size) if isinstance(crop, dict) else crop
    if cfg.get("do_normalize") is False:
        return ImageNorm(int(size), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    mean = tuple(cfg.get("image_mean", mean))
    return ImageNorm(int(size), mean, tuple(cfg.get("image_std", std)))


def tapped_hidden(out, layers: list[int]) -> dict[int, torch.Tensor]:
    states = out.hidden_states
    if layers and max(layers) >= len(states):
        raise TapError(f"layer {max(layers)} does not exist (layers 0..{len(states) - 1})")
    return {layer: states[layer] for layer in layers}


class TextTower:
    """Tokenise with the folder's tokenizer; mask = the tokenizer's attention mask."""

    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    max_length: int | None = None
    padding: bool | str = True  # "max_length": pad every caption as the model was trained

    def _tokens(self, texts: list[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            texts,
            padding=self.padding,
            truncation=self.max_length is not None,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return {key: value.to(self.device) for key, value in enc.items() if key != "token_type_ids"}


class HFClipModel(TextTower):
    """`hf_clip:PATH`: a transformers CLIPModel; per-frame image features, text features."""

    family = "hf_clip"
    video_native = False
    has_video_embed = True
    default_video_pooling = "first"

    def __init__(self, name: str, device: torch.device) -> None:
        from transformers import CLIPModel, XCLIPModel

        loader = XCLIPModel if self.video_native else CLIPModel
        model_dir, self.model = load_pretrained(loader, self.family, name, device)
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        cfg = self.model.config
        self.dim = int(cfg.projection_dim)
        self.norm = image_norm(model_dir, cfg.vision_config.image_size)
        self.video_layers = int(cfg.vision_config.num_hidden_layers)
        self.video_width = int(cfg.vision_config.hidden_size)
        self.text_layers = int(cfg.text_config.num_hidden_layers)
        self.text_width = int(cfg.text_config.hidden_size)
        self.max_length = int(cfg.text_config.max_position_embeddings)
        self.has_text_embed = True
        self.default_pooling = "last"
        self.weights = str(model_dir)

    def _video_features(self, frames: torch.Tensor, tap: bool):
        return self.model.get_image_features(
            pixel_values=frames.flatten(0, 1), output_hidden_states=tap
        )

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        frames = frames.to(self.device, non_blocking=True)
        out = self._video_features(frames, bool(layers))
        embed = out.pooler_output
        if not self.video_native:
            embed = embed.view(*frames.shape[:2], -1)
        return Forward(embed, tapped_hidden(out, layers))

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        tokens = self._tokens(texts)
        out = self.model.get_text_features(**tokens, output_hidden_states=bool(layers))
        mask = tokens["attention_mask"].bool()
        return Forward(out.pooler_output, tapped_hidden(out, layers), mask)


class XClipModel(HFClipModel):
    """`xclip:PATH`: X-CLIP; one video-native vector per video from the frame stack."""

    family = "xclip"
    video_native = True

    def _video_features(self, frames: torch.Tensor, tap: bool):
        expected = self.model.config.vision_config.num_frames
        if frames.shape[1] != expected:
            raise BackboneError(
                f"this X-CLIP model was built for {expected} frames; "
                f"ingest with --frames {expected}"
            )
        return self.model.get_video_features(pixel_values=frames, output_hidden_states=tap)


class HFTextModel(TextTower):
    """`hf_text:PATH` (AutoModel, e.g. BERT) and `lm:PATH` (AutoModelForCausalLM).

    Neither has a projected sentence embedding: variants are token poolings of hidden
    layers (default: mean of the last layer for encoders, the last real token for LMs).
    """

    has_text_embed = False

    def __init__(self, name: str, device: torch.device, causal: bool = False) -> None:
        from transformers import AutoModel, AutoModelForCausalLM

        family = "lm" if causal else "hf_text"
        loader = AutoModelForCausalLM if causal else AutoModel
        model_dir, model = load_pretrained(loader, family, name, device)
        self.model = model.base_model  # hidden states without the LM head's vocabulary logits
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, family)
        cfg = model.config
        self.text_layers = int(cfg.num_hidden_layers)
        self.text_width = self.dim = int(cfg.hidden_size)
        self.max_length = getattr(cfg, "max_position_embeddings", None)
        self.default_pooling = "last" if causal else "mean"
        self.weights = str(model_dir)

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        tokens = self._tokens(texts)
        out = self.model(**tokens, output_hidden_states=True)
        return Forward(None, tapped_hidden(out, layers), tokens["attention_mask"].bool())
