"""Video LLMs that read each frame as an image at the vision tower's side: InternVL
(`internvl:`, `InternVLForConditionalGeneration`, the `-hf` checkpoints) and
LLaVA-OneVision (`llava_onevision:`, `LlavaOnevisionForConditionalGeneration`).

Both run through `SpanLLM` (span_llm.py): the model's own forward over a prompt of video
placeholders, one row of tokens a frame.

* InternVL: each frame through the InternViT tower, pixel shuffle (`downsample_ratio`)
  and the MLP projector (`get_image_features`): `L0` = those tokens, **before the LLM**.
  The prompt is the processor's per-frame layout without its `FrameN: ` labels:
  `<img>` + the frame's `<IMG_CONTEXT>` tokens + `</img>` per frame.
* LLaVA-OneVision: the frames through the SigLIP tower, the projector and the 2x2
  bilinear pooling (`get_video_features`): `L0` = those tokens, **before the LLM**. The
  prompt is the video's `<video>` placeholders; the model appends one `image_newline`
  token to a video's tokens, which is left out of the per-frame rows.

`Lk` = the LLM's hidden states after block k at the frame's tokens (**after the LLM**).
Frames are square at the vision tower's `image_size`, normalised with the mean/std of
the folder's video processor config (the processor's defaults when it has none).
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.backbones.span_llm import SpanLLM, spans


class InternVL(SpanLLM):
    family = "internvl"
    loader = "InternVLForConditionalGeneration"

    def __init__(self, name: str, device: torch.device) -> None:
        model_dir, cfg = self.load(name, device)
        vision = cfg.vision_config
        side, patch = _square(vision.image_size), _square(vision.patch_size)
        self.norm = processor_norm(model_dir, side, "InternVLVideoProcessor", self.family)
        patches = (side // patch) ** 2
        self.per_frame = int(patches * cfg.downsample_ratio**2)
        self.video_token = cfg.image_token_id
        self.span = tuple(
            self._token_id(getattr(self.tokenizer, attr, default))
            for attr, default in (("start_image_token", "<img>"), ("end_image_token", "</img>"))
        )

    def _token_id(self, token: str) -> int:
        token_id = self.tokenizer.convert_tokens_to_ids(token)
        if token_id is None or token_id == self.tokenizer.unk_token_id:
            raise BackboneError(f"{self.family}:{self.weights}: the tokenizer has no {token!r}")
        return int(token_id)

    def model_inputs(self, frames: torch.Tensor) -> tuple[dict, int, int]:
        n_videos, n_frames = frames.shape[:2]
        (start, end), token = self.span, self.video_token
        ids = spans(start, token, end, n_frames, self.per_frame)
        ids = torch.tensor(ids, device=self.device).expand(n_videos, -1)
        return {"input_ids": ids, "pixel_values": frames.flatten(0, 1)}, n_frames, self.per_frame


class LlavaOnevision(SpanLLM):
    family = "llava_onevision"
    loader = "LlavaOnevisionForConditionalGeneration"

    def __init__(self, name: str, device: torch.device) -> None:
        model_dir, cfg = self.load(name, device)
        vision = cfg.vision_config
        side = int(vision.image_size)
        self.norm = processor_norm(model_dir, side, "LlavaOnevisionVideoProcessor", self.family)
        grid = -(-(side // int(vision.patch_size)) // 2)  # ceil: the 2x2 bilinear pooling
        self.per_frame = grid * grid
        self.video_token = cfg.video_token_id

    def model_inputs(self, frames: torch.Tensor) -> tuple[dict, int, int]:
        n_videos, n_frames = frames.shape[:2]
        ids = spans(None, self.video_token, None, 1, n_frames * self.per_frame + 1)  # + newline
        ids = torch.tensor(ids, device=self.device).expand(n_videos, -1)
        return {"input_ids": ids, "pixel_values_videos": frames}, n_frames, self.per_frame


def _square(size) -> int:
    height, width = (size, size) if isinstance(size, int) else size
    if height != width:
        raise BackboneError(f"vision towers of {height}x{width} px are not supported (square only)")
    return int(height)


def processor_norm(model_dir: Path, side: int, processor_class: str, family: str) -> ImageNorm:
    """The vision tower's side with the mean/std of the folder's video processor config
    (the class defaults when there is none); BackboneError if the config's size differs."""
    import transformers

    loader = getattr(transformers, processor_class)
    try:
        processor = loader.from_pretrained(model_dir, local_files_only=True)
    except OSError:  # no processor config in the folder: the processor's own defaults
        processor = loader(size={"height": side, "width": side})
    size = processor.size
    height = size.get("height") if isinstance(size, dict) else getattr(size, "height", None)
    if height is not None and int(height) != side:
        raise BackboneError(
            f"{family}:{model_dir}: the video processor resizes frames to {height} px, "
            f"the vision tower takes {side} px"
        )
    mean, std = processor.image_mean, processor.image_std
    return ImageNorm(side, tuple(map(float, mean)), tuple(map(float, std)))
