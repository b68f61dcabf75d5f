"""Qwen2-VL in the `vlm:` family (`Qwen2VLForConditionalGeneration`, model_type `qwen2_vl`),
and the `qwen2_5_vl:` and `qwen3_vl:` families (Qwen2.5-VL, Qwen3-VL), which differ from it
only as their classes below say.

Video input is built like the installed `Qwen2VLVideoProcessor` builds it: frames
normalised with the folder's processor mean/std, padded to a multiple of
`temporal_patch_size` by repeating the last frame, and flattened into patches with
`video_grid_thw`. vtr decodes every frame square; its side is what the processor's
`smart_resize` gives a 224 px square frame under the folder's pixel budget
(`size.shortest_edge` / `size.longest_edge`; the installed processor's defaults when
the folder has no processor config), so it is a multiple of `patch_size * merge_size`.

The vision tower embeds `temporal_patch_size` (2) frames together into one temporal
patch and its merger folds 2x2 patches into one video token, so the time unit of this
family is the **temporal patch**: token poolings run per temporal patch, temporal
poolings over the `ceil(frames / 2)` temporal patches, and a `seq` variant stores one
vector per temporal patch (its `seq_len`). The variant id keeps the sampled frames.

Layers, as for the rest of `vlm:`: `L0` = the merger output (**before the LLM**),
`Lk` = the LLM's hidden states after block k over the video tokens (**after the LLM**),
from the model's own forward (`output_hidden_states=True`; 3-D M-RoPE positions from
its `get_rope_index`). The prompt is the video span alone:
`<|vision_start|>` + the video tokens + `<|vision_end|>`. Text: the same forward over the
caption's tokens (right-padded, so every real token keeps its position).
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.backbones.hf import load_pretrained, load_tokenizer, tapped_hidden
from vtr.ingest.backbones.video_llm import VideoLanguageModel, model_type
from vtr.ingest.taps import Forward

NOMINAL_SIDE = 224  # the square frame the processor's smart_resize is applied to
VIDEO = 2  # mm_token_type_ids value of a video token (0 = text)


class Qwen2VL(VideoLanguageModel):
    """Qwen2-VL; Qwen2.5-VL and Qwen3-VL differ only in the attributes below."""

    loader = "Qwen2VLForConditionalGeneration"
    video_processor = "Qwen2VLVideoProcessor"  # the processor whose config sizes the frames
    span_per_step = False  # Qwen3-VL: one vision_start/end span per temporal patch

    def __init__(self, name: str, device: torch.device) -> None:
        import transformers

        if self.family != "vlm":  # `vlm:` checked the folder's model type already
            model_type(name, self.family, (self.family,))
        loader = getattr(transformers, self.loader)
        model_dir, model = load_pretrained(loader, self.family, name, device)
        self.model = model.model  # vision tower + LLM, without the vocabulary head
        self.device = device
        self.tokenizer = load_tokenizer(model_dir, self.family)
        self.tokenizer.padding_side = "right"
        cfg = model.config
        vision = cfg.vision_config
        self.patch = int(vision.patch_size)
        self.merge = int(vision.spatial_merge_size)
        self.frames_per_step = int(vision.temporal_patch_size)
        self.norm = video_norm(
            model_dir, self.patch, self.merge, self.frames_per_step, self.video_processor
        )
        self.token_ids = (cfg.vision_start_token_id, cfg.video_token_id, cfg.vision_end_token_id)
        self.video_layers = self.text_layers = int(cfg.text_config.num_hidden_layers)
        self.video_width = self.text_width = self.dim = int(cfg.text_config.hidden_size)
        self.max_length = getattr(cfg.text_config, "max_position_embeddings", None)
        self.weights = str(model_dir)

    def video_inputs(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 3, S, S) normalised frames -> `pixel_values_videos`, `video_grid_thw`."""
        return patchify(
            frames.to(self.device), self.patch, self.merge, self.frames_per_step, self.family
        )

    def video_ids(self, n_videos: int, steps: int, per_step: int) -> torch.Tensor:
        """The prompt: the video span(s) alone, (B, L) token ids."""
        start, video, end = self.token_ids
        spans = [[start, *[video] * per_step, end]] * steps if self.span_per_step else []
        ids = sum(spans, []) or [start, *[video] * (steps * per_step), end]
        return torch.tensor(ids, device=self.device).expand(n_videos, -1)

    def forward_video(self, frames: torch.Tensor, layers: list[int]) -> Forward:
        n_videos = frames.shape[0]
        pixels, grid = self.video_inputs(frames)
        steps = int(grid[0, 0])
        per_step = int(grid[0, 1:].prod()) // self.merge**2
        ids = self.video_ids(n_videos, steps, per_step)
        video = self.token_ids[1]
        out = self.model(
            input_ids=ids,
            pixel_values_videos=pixels,
            video_grid_thw=grid,
            mm_token_type_ids=(ids == video).int() * VIDEO,
            use_cache=False,
            output_hidden_states=True,
        )
        at_video = ids[0] == video
        per_step = {
            layer: states[:, at_video].reshape(n_videos * steps, -1, states.shape[-1])
            for layer, states in tapped_hidden(out, layers).items()
        }
        return Forward(None, per_step)

    def forward_texts(self, texts: list[str], layers: list[int]) -> Forward:
        tokens = self._tokens(texts)
        out = self.model(**tokens, use_cache=False, output_hidden_states=True)
        return Forward(None, tapped_hidden(out, layers), tokens["attention_mask"].bool())


def patchify(
    frames: torch.Tensor, patch: int, merge: int, temporal: int, family: str = "vlm"
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, C, H, W) -> (B * t * h * w, C * temporal * patch**2) patches and (B, 3) grids,
    in the order `Qwen2VLVideoProcessor` writes them (merge windows contiguous)."""
    n_videos, n_frames, channels, height, width = frames.shape
    if height % (patch * merge) or width % (patch * merge):
        raise BackboneError(
            f"{family}: Qwen-VL frames must be a multiple of {patch * merge} px, "
            f"not {height}x{width}"
        )
    if pad := -n_frames % temporal:  # the processor repeats the last frame
        frames = torch.cat([frames, frames[:, -1:].expand(-1, pad, -1, -1, -1)], dim=1)
    t, h, w = (n_frames + pad) // temporal, height // patch, width // patch
    patches = frames.reshape(
        n_videos, t, temporal, channels, h // merge, merge, patch, w // merge, merge, patch
    )
    patches = patches.permute(0, 1, 4, 7, 5, 8, 3, 2, 6, 9)
    flat = patches.reshape(n_videos * t * h * w, channels * temporal * patch * patch)
    grid = torch.tensor([[t, h, w]] * n_videos, device=frames.device)
    return flat, grid


def video_norm(
    model_dir: Path,
    patch: int,
    merge: int,
    temporal: int,
    processor_class: str = "Qwen2VLVideoProcessor",
) -> ImageNorm:
    """Frame side, mean and std from the folder's video processor config (see module doc)."""
    import transformers
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import smart_resize

    loader = getattr(transformers, processor_class)
    try:
        processor = loader.from_pretrained(model_dir, local_files_only=True)
    except OSError:  # no processor config in the folder: the processor's own defaults
        processor = loader()
    ours = {"patch_size": patch, "merge_size": merge, "temporal_patch_size": temporal}
    for key, value in ours.items():
        if int(getattr(processor, key)) != value:
            raise BackboneError(
                f"{model_dir}: the processor's {key} is {getattr(processor, key)}, "
                f"the vision tower's {value}"
            )
    size = processor.size
    side, _ = smart_resize(
        NOMINAL_SIDE,
        NOMINAL_SIDE,
        factor=patch * merge,
        min_pixels=size.shortest_edge,
        max_pixels=size.longest_edge,
    )
    mean, std = processor.image_mean, processor.image_std
    return ImageNorm(int(side), tuple(map(float, mean)), tuple(map(float, std)))


class Qwen25VL(Qwen2VL):
    """Qwen2.5-VL: a windowed-attention vision tower; `second_per_grid_ts` is left at the
    model's default of 1 s a temporal patch (its processor's value at its default 2 fps)."""

    family = "qwen2_5_vl"
    loader = "Qwen2_5_VLForConditionalGeneration"


class Qwen3VL(Qwen2VL):
    """Qwen3-VL: one `<|vision_start|>`..`<|vision_end|>` span per temporal patch (its
    processor's layout, without the `<t seconds>` text between spans); the vision tower's
    DeepStack features are added to the first LLM blocks' video tokens by the model itself."""

    family = "qwen3_vl"
    loader = "Qwen3VLForConditionalGeneration"
    video_processor = "Qwen3VLVideoProcessor"
    span_per_step = True
