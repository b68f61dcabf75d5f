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

Layers, as for the rest of `vlm:` (see span_llm.py): `L0` = the merger output (**before
the LLM**), `Lk` = the LLM's hidden states after block k over the video tokens (**after
the LLM**), from the model's own forward (`output_hidden_states=True`; 3-D M-RoPE
positions from its `get_rope_index`). The prompt is the video span alone:
`<|vision_start|>` + the video tokens + `<|vision_end|>` (Qwen3-VL: one such span per
temporal patch). Text: the same forward over the caption's tokens (right-padded).
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones.base import ImageNorm
from vtr.ingest.backbones.span_llm import SpanLLM, spans

NOMINAL_SIDE = 224  # the square frame the processor's smart_resize is applied to
VIDEO = 2  # mm_token_type_ids value of a video token (0 = text)


class Qwen2VL(SpanLLM):
    """Qwen2-VL; Qwen2.5-VL and Qwen3-VL differ only in the attributes below."""

    loader = "Qwen2VLForConditionalGeneration"
    video_processor = "Qwen2VLVideoProcessor"  # the processor whose config sizes the frames
    span_per_step = False  # Qwen3-VL: one vision_start/end span per temporal patch

    def __init__(self, name: str, device: torch.device) -> None:
        model_dir, cfg = self.load(name, device)
        self.patch, self.merge, self.frames_per_step = self.geometry(model_dir, cfg)
        self.norm = video_norm(
            model_dir, self.patch, self.merge, self.frames_per_step, self.video_processor
        )
        self.video_token = cfg.video_token_id
        self.span = self.span_tokens(cfg)

    def geometry(self, model_dir: Path, cfg) -> tuple[int, int, int]:
        """Patch side, spatial merge and frames a temporal patch."""
        vision = cfg.vision_config
        return (
            int(vision.patch_size),
            int(vision.spatial_merge_size),
            int(vision.temporal_patch_size),
        )

    def span_tokens(self, cfg) -> tuple[int | None, int | None]:
        """The tokens around the video placeholders (None: none)."""
        return cfg.vision_start_token_id, cfg.vision_end_token_id

    def grid_inputs(self, ids: torch.Tensor, grid: torch.Tensor) -> dict:
        """The forward's inputs besides the ids, pixels and grid."""
        return {"mm_token_type_ids": (ids == self.video_token).int() * VIDEO}

    def video_inputs(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 3, S, S) normalised frames -> `pixel_values_videos`, `video_grid_thw`."""
        return patchify(
            frames.to(self.device), self.patch, self.merge, self.frames_per_step, self.family
        )

    def model_inputs(self, frames: torch.Tensor) -> tuple[dict, int, int]:
        pixels, grid = self.video_inputs(frames)
        steps = int(grid[0, 0])
        per_step = int(grid[0, 1:].prod()) // self.merge**2
        (start, end), video = self.span, self.video_token
        if self.span_per_step:
            ids = spans(start, video, end, steps, per_step)
        else:
            ids = spans(start, video, end, 1, steps * per_step)
        ids = torch.tensor(ids, device=self.device).expand(frames.shape[0], -1)
        inputs = {"input_ids": ids, "pixel_values_videos": pixels, "video_grid_thw": grid}
        return {**inputs, **self.grid_inputs(ids, grid)}, steps, per_step


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
    """Qwen2.5-VL: a windowed-attention vision tower; `second_per_grid_ts` is 1 s a temporal
    patch, its processor's value at its default 2 fps (passed for every video: the model's
    own default runs out when a batch has more videos than prompt tokens)."""

    family = "qwen2_5_vl"
    loader = "Qwen2_5_VLForConditionalGeneration"

    def grid_inputs(self, ids: torch.Tensor, grid: torch.Tensor) -> dict:
        seconds = torch.ones(grid.shape[0], device=grid.device)
        return {**super().grid_inputs(ids, grid), "second_per_grid_ts": seconds}


class Qwen3VL(Qwen2VL):
    """Qwen3-VL: one `<|vision_start|>`..`<|vision_end|>` span per temporal patch (its
    processor's layout, without the `<t seconds>` text between spans); the vision tower's
    DeepStack features are added to the first LLM blocks' video tokens by the model itself.
    The frame side is read as for Qwen2-VL, the folder's `size` budget taken per frame (the
    Qwen3-VL processor spreads it over a video's frames, so its side depends on the count)."""

    family = "qwen3_vl"
    loader = "Qwen3VLForConditionalGeneration"
    video_processor = "Qwen3VLVideoProcessor"
    span_per_step = True
