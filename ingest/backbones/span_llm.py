"""Video LLMs run through their own multimodal forward over a prompt of video spans alone.

`SpanLLM` is what Qwen2-VL, Qwen2.5-VL, Qwen3-VL (qwen_vl.py), InternVL and
LLaVA-OneVision (frame_llms.py) share: the prompt is the model's video placeholder
tokens (with the start/end tokens its processor puts around them, without any text),
the model's own forward merges the projector output into them and runs the LLM, and the
tapped layers are `hidden_states[k]` at the placeholder positions, one row of tokens a
time step (a frame, or a temporal patch). `L0` is therefore the projector output
(before the LLM), `Lk` the LLM after block k. Text: the same forward over the caption's
tokens, right-padded, so every real token keeps its position.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.ingest.backbones.hf import load_pretrained, load_tokenizer, tapped_hidden
from vtr.ingest.backbones.video_llm import VideoLanguageModel, model_type
from vtr.ingest.taps import Forward


class SpanLLM(VideoLanguageModel):
    loader: str  # the transformers class of the whole model (with the vocabulary head)
    video_token: int  # the placeholder id the projector output replaces

    def load(self, name: str, device: torch.device) -> tuple[Path, object]:
        """Load the model (its base, without the vocabulary head) and tokenizer; returns
        the folder and the model's config. BackboneError on another model type."""
        import transformers

        if self.family != "vlm":  # `vlm:` checked the folder's model type already
            model_type(name, self.family, (self.family,))
        loader = getattr(transformers, self.loader)
        model_dir, model = load_pretrained(loader, self.family, name, device)
        self.model = model.model
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        self.tokenizer.padding_side = "right"
        text = model.config.text_config
        self.video_layers = self.text_layers = int(text.num_hidden_layers)
        self.video_width = self.text_width = self.dim = int(text.hidden_size)
        self.max_length = getattr(text, "max_position_embeddings", None)
        self.weights = str(model_dir)
        return model_dir, model.config

    def model_inputs(self, frames: torch.Tensor) -> tuple[dict, int, int]:
        """(B, T, 3, S, S) frames -> the forward's inputs (with `input_ids`), the time
        steps a video has and the video tokens a step."""
        raise NotImplementedError

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        n_videos = frames.shape[0]
        inputs, steps, per_step = self.model_inputs(frames.to(self.device, non_blocking=True))
        out = self.model(**inputs, use_cache=False, output_hidden_states=True)
        at_video = inputs["input_ids"][0] == self.video_token
        rows = {
            layer: states[:, at_video][:, : steps * per_step].reshape(
                n_videos * steps, per_step, states.shape[-1]
            )
            for layer, states in tapped_hidden(out, layers).items()
        }
        return Forward(None, rows)

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        tokens = self._tokens(texts)
        out = self.model(**tokens, use_cache=False, output_hidden_states=True)
        return Forward(None, tapped_hidden(out, layers), tokens["attention_mask"].bool())


def spans(start: int | None, token: int, end: int | None, n_spans: int, per_span: int) -> list[int]:
    """`n_spans` times: start + `per_span` placeholders + end (None: left out)."""
    span = [start, *[token] * per_span, end]
    return [t for t in span if t is not None] * n_spans
