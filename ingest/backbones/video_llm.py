"""Video LLMs: `vlm:PATH`, a LLaVA-NeXT-Video (`LlavaNextVideoForConditionalGeneration`),
a Video-LLaVA (`VideoLlavaForConditionalGeneration`) or a Qwen2-VL
(`Qwen2VLForConditionalGeneration`, see `qwen_vl.py`) model; the folder's config says which.

Video: the frames go through the vision (video) tower, the spatial pooling when the
model has one, and the projector (`get_video_features`); the projected video tokens
are the LLM's input,
and the LLM runs over them (the prompt is the video tokens alone). Layers follow
the Hugging Face numbering of the LLM's `hidden_states`:

* `L0` = the projector output, the video tokens **before the LLM**;
* `Lk` = the LLM's hidden states after block k over the video tokens (**after the
  LLM**: `-1` = the last block).

Token poolings run per frame (each frame's video tokens), then temporal pooling.
Text: the same LLM over the caption's tokens (like `lm:`), pooled per layer.
A video LLM has no projected embedding of its own, so there is no `final/embed`;
without `--layers`, the last layer is written (video: `mean`, text: `last`).
"""

from __future__ import annotations

import torch

from vtr.ingest.backbones.hf import (
    TextTower,
    image_norm,
    load_pretrained,
    load_tokenizer,
    tapped_hidden,
)
from vtr.ingest.taps import Forward

LOADERS = {
    "llava_next_video": "LlavaNextVideoForConditionalGeneration",
    "video_llava": "VideoLlavaForConditionalGeneration",
}
KINDS = (*LOADERS, "qwen2_vl")  # Qwen2-VL: qwen_vl.Qwen2VL


def load_video_llm(name: str, device: torch.device):
    """The `vlm:` backbone for the folder's model type."""
    if model_type(name, VideoLLM.family) == "qwen2_vl":
        from vtr.ingest.backbones.qwen_vl import Qwen2VL

        return Qwen2VL(name, device)
    return VideoLLM(name, device)


class VideoLanguageModel(TextTower):
    """What every `vlm:` backbone shares: no own embedding output, frames as images,
    last-token pooling for captions."""

    family = "vlm"
    has_video_embed = False
    has_text_embed = False
    video_native = False
    default_pooling = "last"
    default_video_pooling = "mean"


class VideoLLM(VideoLanguageModel):
    def __init__(self, name: str, device: torch.device) -> None:
        import transformers

        loader = getattr(transformers, LOADERS[model_type(name, self.family)])
        model_dir, model = load_pretrained(loader, self.family, name, device)
        self.model = model
        self.llm = model.model.language_model  # the decoder without the vocabulary head
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        cfg = model.config
        self.norm = image_norm(model_dir, cfg.vision_config.image_size)
        self.video_layers = self.text_layers = int(cfg.text_config.num_hidden_layers)
        self.video_width = self.text_width = self.dim = int(cfg.text_config.hidden_size)
        self.max_length = getattr(cfg.text_config, "max_position_embeddings", None)
        self.weights = str(model_dir)

    def video_tokens(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W) -> the projector's (B, T * S, width) video tokens."""
        cfg = self.model.config
        options = {"vision_feature_layer": cfg.vision_feature_layer}
        if cfg.model_type == "llava_next_video":
            options["vision_feature_select_strategy"] = cfg.vision_feature_select_strategy
        inner = getattr(self.model, "get_video_features", None) and self.model
        tokens = (
            (inner or self.model.model)
            .get_video_features(
                pixel_values_videos=frames.to(self.device, non_blocking=True), **options
            )
            .pooler_output
        )
        return tokens.reshape(frames.shape[0], -1, tokens.shape[-1])

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        n_videos, n_frames = frames.shape[:2]
        tokens = self.video_tokens(frames)
        out = self.llm(inputs_embeds=tokens, output_hidden_states=True)
        per_frame = {
            layer: states.reshape(n_videos * n_frames, -1, states.shape[-1])
            for layer, states in tapped_hidden(out, layers).items()
        }
        return Forward(None, per_frame)

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        tokens = self._tokens(texts)
        out = self.llm(**tokens, output_hidden_states=True)
        return Forward(None, tapped_hidden(out, layers), tokens["attention_mask"].bool())


def model_type(name: str, family: str, kinds: tuple[str, ...] = KINDS) -> str:
    """The `model_type` in the model folder's config.json; BackboneError if not one of
    `kinds` (default: the `vlm:` model types)."""
    from transformers import AutoConfig

    from vtr.errors import BackboneError
    from vtr.ingest.backbones.local import local_model_dir

    try:
        kind = AutoConfig.from_pretrained(local_model_dir(name, family), local_files_only=True)
    except (OSError, ValueError, KeyError) as err:
        raise BackboneError(f"{family}:{name}: cannot read its config: {err}") from None
    if kind.model_type not in kinds:
        from vtr.registry import BACKBONES

        own = kind.model_type in BACKBONES and kind.model_type != family
        hint = f" (it has its own family: {kind.model_type}:{name})" if own else ""
        raise BackboneError(
            f"{family}:{name} is a {kind.model_type!r} model; {family}: takes "
            f"{', '.join(sorted(kinds))}{hint}"
        )
    return kind.model_type
