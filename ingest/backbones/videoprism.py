"""VideoPrism (`VideoPrismClipModel`, the video-text "LvT" checkpoints, or the video-only
`VideoPrismVisionModel`): the `videoprism` family (see its module for the layers)."""

from __future__ import annotations

import torch

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones.hf import TextTower, image_norm, load_pretrained, load_tokenizer
from vtr.ingest.taps import Forward, LayerKey, Stage

CLIP_TYPE, VISION_TYPE = "videoprism", "videoprism_vision_model"
NO_NORM = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))  # VideoPrism reads RGB in [0, 1]


class VideoPrism(TextTower):
    """A factorised video encoder: spatial blocks per frame (`S`), temporal blocks over
    the frames of each patch (`L`, video-native), an attention-pooling head (`final`)."""

    family = "videoprism"
    video_native = True
    native_layers = True  # the temporal stack's tokens span the whole video
    first_layer = 1  # temporal blocks 1..n (the library exposes no temporal layer 0)
    default_video_pooling = "mean"
    default_pooling = "last"  # the class token VideoPrism appends after the caption
    padding = "max_length"  # as the docs tokenise captions

    def __init__(self, name: str, device: torch.device) -> None:
        from transformers import AutoModel

        model_dir, self.model = load_pretrained(AutoModel, self.family, name, device)
        kind = self.model.config.model_type
        if kind not in (CLIP_TYPE, VISION_TYPE):
            raise BackboneError(
                f"{self.family}:{name} is a {kind!r} model, not one of {CLIP_TYPE}, {VISION_TYPE}"
            )
        self.device = device
        self.clip = kind == CLIP_TYPE
        vision = self.model.config.vision_config if self.clip else self.model.config
        self.norm = image_norm(model_dir, _side(vision.image_size), *NO_NORM)
        self.n_spatial = int(vision.num_spatial_layers)
        self.video_layers = int(vision.num_temporal_layers)
        self.video_width = self.dim = int(vision.hidden_size)
        self.video_stages = (Stage("S", self.n_spatial, self.video_width, label="spatial"),)
        self.has_video_embed = self.has_text_embed = self.has_text_tower = self.clip
        self.text_layers = self.text_width = 0
        if self.clip:
            text = self.model.config.text_config
            self.tokenizer = load_tokenizer(model_dir, self.family)
            self.text_layers, self.text_width = int(text.num_hidden_layers), int(text.hidden_size)
            self.max_length = int(text.max_position_embeddings)
        self.weights = str(model_dir)

    def video_features(self, frames: torch.Tensor, tap: bool):
        """The library's video forward; other frame counts and sizes than the checkpoint's
        interpolate its position embeddings (unchanged when they match)."""
        inputs = {"pixel_values_videos": frames.to(self.device, non_blocking=True)}
        call = self.model.get_video_features if self.clip else self.model
        return call(**inputs, interpolate_pos_encoding=True, output_hidden_states=tap)

    def forward_video(self, frames: torch.Tensor, layers: list[LayerKey]) -> Forward:
        out = self.video_features(frames, bool(layers))
        embed = out.pooler_output.squeeze(1) if self.clip else None
        states = out.hidden_states or ()
        n_videos, n_frames = frames.shape[:2]
        hidden = {}
        for key in layers:
            if isinstance(key, str):  # S0 = patch embeddings, Sk = spatial block k, per frame
                hidden[key] = states[int(key[1:])]
            elif key == self.video_layers:  # the encoder's output, after its layernorm
                hidden[key] = states[-1]
            else:  # temporal block k: (B * patches, T, W) -> (B, T * patches, W), frame-major
                tokens = states[self.n_spatial + key]
                hidden[key] = tokens.view(n_videos, -1, n_frames, tokens.shape[-1]).transpose(1, 2)
                hidden[key] = hidden[key].reshape(n_videos, -1, tokens.shape[-1])
        return Forward(embed, hidden)

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        raise BackboneError("videoprism is video-native: it embeds frame stacks, not frames")

    def forward_texts(self, texts: list[str], layers: list[LayerKey]) -> Forward:
        if not self.clip:
            raise TapError(f"videoprism:{self.weights} is video-only: it has no text tower")
        tokens = self._tokens(texts)
        out = self.model.get_text_features(**tokens, output_hidden_states=bool(layers))
        mask = tokens["attention_mask"].bool()
        mask = torch.cat([mask, mask.new_ones(mask.shape[0], 1)], dim=1)  # + the class token
        hidden = {key: out.hidden_states[key] for key in layers}
        return Forward(out.pooler_output, hidden, mask)

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return self.forward_texts(texts, []).embed


def _side(size) -> int:
    return int(size[0] if isinstance(size, (list, tuple)) else size)
