"""InstructBLIP-Video (`InstructBlipVideoForConditionalGeneration`): the BLIP-2 video
Q-Former before an LLM; the `instructblipvideo` family (see its module for the layers)."""

from __future__ import annotations

import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones.hf import image_norm, load_pretrained, load_tokenizer, tapped_hidden
from vtr.ingest.backbones.video_llm import VideoLLM
from vtr.ingest.taps import Forward, LayerKey, Stage

QFORMER_PROMPT = "A short description of the video."  # the Q-Former's instruction
MODEL_TYPE = "instructblipvideo"
# InstructBLIP image checkpoints (Salesforce/instructblip-vicuna-7b) load into the video
# model unchanged, as the library's docs do: the same towers, run per frame
MODEL_TYPES = (MODEL_TYPE, "instructblip")


class InstructBlipVideo(VideoLLM):
    """Vision tower (`V`), Q-Former queries (`Q`), projected queries and LLM (`L`); the
    text tower (the LLM over the caption) is the `vlm:` one."""

    family = MODEL_TYPE

    def __init__(self, name: str, device: torch.device) -> None:
        from transformers import InstructBlipVideoForConditionalGeneration

        _check_config(name, self.family)
        loader = InstructBlipVideoForConditionalGeneration
        model_dir, self.model = load_pretrained(loader, self.family, name, device)
        cfg = self.model.config
        self.llm = self.model.language_model.model  # the decoder without its vocabulary head
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        self.qformer_ids = _qformer_prompt(model_dir, f"{self.family}:{name}")
        vision, qformer, text = cfg.vision_config, cfg.qformer_config, cfg.text_config
        self.norm = image_norm(model_dir, vision.image_size)
        self.video_layers = self.text_layers = int(text.num_hidden_layers)
        self.video_width = self.text_width = self.dim = int(text.hidden_size)
        self.video_stages = (
            Stage("V", int(vision.num_hidden_layers), int(vision.hidden_size), label="vision"),
            Stage("Q", int(qformer.num_hidden_layers), int(qformer.hidden_size), label="qformer"),
        )
        self.n_queries = int(cfg.num_query_tokens)
        self.max_length = getattr(text, "max_position_embeddings", None)
        self.weights = str(model_dir)

    def video_features(self, frames: torch.Tensor, tap: bool):
        """The library's `get_video_features` with the Q-Former instruction, per video."""
        prompt = {
            k: v.to(self.device).expand(frames.shape[0], -1) for k, v in self.qformer_ids.items()
        }
        return self.model.get_video_features(
            pixel_values=frames.to(self.device, non_blocking=True),
            qformer_input_ids=prompt["input_ids"],
            qformer_attention_mask=prompt.get("attention_mask"),
            output_hidden_states=tap,
        )

    def forward_video(self, frames: torch.Tensor, layers: list[LayerKey]) -> Forward:
        n_rows = frames.shape[0] * frames.shape[1]
        named = [key for key in layers if isinstance(key, str)]
        features = self.video_features(frames, bool(named))
        hidden = {}
        for key in named:
            index = int(key[1:])
            if key[0] == "V":
                hidden[key] = features.hidden_states[index]
            else:  # the query positions; the instruction's tokens follow them
                hidden[key] = features.qformer_outputs.hidden_states[index][:, : self.n_queries]
        tokens = features.pooler_output  # (B, T * queries, LLM width): L0, before the LLM
        llm_layers = [key for key in layers if isinstance(key, int)]
        if any(key > 0 for key in llm_layers):
            out = self.llm(inputs_embeds=tokens, output_hidden_states=True)
            hidden.update(tapped_hidden(out, llm_layers))
        if 0 in llm_layers:
            hidden[0] = tokens
        for key in llm_layers:  # per frame: each frame's own queries
            hidden[key] = hidden[key].reshape(n_rows, self.n_queries, -1)
        return Forward(None, hidden)


def _check_config(name: str, family: str) -> None:
    """BackboneError unless the folder holds InstructBLIP-Video with a decoder-only LLM."""
    from transformers import AutoConfig

    from vtr.ingest.backbones.local import local_model_dir

    try:
        cfg = AutoConfig.from_pretrained(local_model_dir(name, family), local_files_only=True)
    except (OSError, ValueError, KeyError) as err:
        raise BackboneError(f"{family}:{name}: cannot read its config: {err}") from None
    if cfg.model_type not in MODEL_TYPES:
        raise BackboneError(
            f"{family}:{name} is a {cfg.model_type!r} model, not one of {', '.join(MODEL_TYPES)}"
        )
    if not cfg.use_decoder_only_language_model:
        raise BackboneError(
            f"{family}:{name} has an encoder-decoder LLM ({cfg.text_config.model_type}); "
            f"{family}: takes a decoder-only one (Vicuna, Llama)"
        )


def _qformer_prompt(model_dir, what: str) -> dict[str, torch.Tensor]:
    """The instruction tokenised by the folder's Q-Former tokenizer (`qformer_tokenizer/`,
    where `InstructBlipVideoProcessor.save_pretrained` writes it)."""
    from transformers import AutoTokenizer

    folder = model_dir / "qformer_tokenizer"
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as err:
        raise BackboneError(f"{what}: no Q-Former tokenizer in {folder}: {err}") from None
    enc = tokenizer([QFORMER_PROMPT], return_tensors="pt")
    return {key: enc[key] for key in ("input_ids", "attention_mask") if key in enc}
