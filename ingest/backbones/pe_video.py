"""Perception Encoder video (`PeVideoModel`): the `pe_video` family (see its module)."""

from __future__ import annotations

import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones.hf import TextTower, image_norm, load_pretrained, load_tokenizer
from vtr.ingest.taps import Forward, LayerKey

MODEL_TYPE = "pe_video"


class PeVideo(TextTower):
    """Frames through PE's image tower (timm), a temporal transformer over them with a
    class token (`L`, video-native), contrastive heads on both towers (`final`)."""

    family = MODEL_TYPE
    video_native = True
    native_layers = True  # the temporal transformer's tokens are the video's frames
    has_video_embed = has_text_embed = True
    default_video_pooling = default_pooling = "first"  # the class token, as the heads read

    def __init__(self, name: str, device: torch.device) -> None:
        from transformers import AutoModel

        model_dir, self.model = load_pretrained(AutoModel, self.family, name, device)
        cfg = self.model.config
        if cfg.model_type != MODEL_TYPE:
            raise BackboneError(
                f"{self.family}:{name} is a {cfg.model_type!r} model, not {MODEL_TYPE}"
            )
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        frames = self.model.video_encoder.embedder.vision_model.timm_model
        timm_cfg = frames.pretrained_cfg
        side = int(frames.patch_embed.img_size[0])
        self.norm = image_norm(model_dir, side, tuple(timm_cfg["mean"]), tuple(timm_cfg["std"]))
        video, text = cfg.video_config, cfg.text_config
        self.dim = int(text.hidden_size)  # both heads project to the text width
        self.video_layers, self.video_width = int(video.num_hidden_layers), int(video.hidden_size)
        self.text_layers, self.text_width = int(text.num_hidden_layers), int(text.hidden_size)
        self.max_length = getattr(text, "max_position_embeddings", None)
        self.weights = str(model_dir)

    def forward_video(self, frames: torch.Tensor, layers: list[LayerKey]) -> Forward:
        """As `PeVideoModel.forward`: `video_head(video_encoder(frames).pooler_output)`."""
        encoder = self.model.video_encoder
        out = encoder(pixel_values_videos=frames.to(self.device), output_hidden_states=bool(layers))
        hidden = {}
        for key in layers:
            if key == self.video_layers:  # the output: class token + frames, as the library splits
                hidden[key] = torch.cat([out.pooler_output[:, None], out.last_hidden_state], dim=1)
            else:
                hidden[key] = out.hidden_states[key]
        return Forward(self.model.video_head(out.pooler_output), hidden)

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        raise BackboneError("pe_video is video-native: it embeds frame stacks, not frames")

    def forward_texts(self, texts: list[str], layers: list[LayerKey]) -> Forward:
        """As `PeVideoModel.forward`: `text_video_head(hidden_states[-1][:, 0])`."""
        tokens = self._tokens(texts)
        out = self.model.text_model(**tokens, output_hidden_states=True)
        embed = self.model.text_video_head(out.hidden_states[-1][:, 0])
        hidden = {key: out.hidden_states[key] for key in layers}
        return Forward(embed, hidden, tokens["attention_mask"].bool())

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return self.forward_texts(texts, []).embed
