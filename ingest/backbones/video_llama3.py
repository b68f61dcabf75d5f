"""VideoLLaMA3 (`video_llama_3:`, `VideoLlama3ForConditionalGeneration`), the Video-LLaMA line.

Its vision encoder takes Qwen-VL-style flattened patches (`video_grid_thw`, one frame a
temporal patch), and each frame's patch grid is downsampled 2x2 (bilinear,
`video_merge_sizes`) before the projector; so this is the Qwen-VL code of qwen_vl.py
with the processor's merge size and no M-RoPE (the LLM is a Qwen2 with 1-D positions).

* `L0` = the projector output, each frame's video tokens **before the LLM**
  (`get_video_features`);
* `Lk` = the LLM's hidden states after block k at those tokens (**after the LLM**), from
  the model's own forward over the `<|video_pad|>` placeholders alone (its processor
  puts `Time t s:` text before each frame's tokens; vtr leaves the text out).

The frame side is read as for Qwen2-VL (`video_norm`), the folder's `size` budget taken per
frame (the VideoLLaMA3 processor divides it by the frame count).
The processor's token compression (it drops the tokens that repeat the previous frame)
is not applied: every frame keeps all its tokens, so the per-frame rows have one size.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtr.ingest.backbones.qwen_vl import Qwen2VL


class VideoLlama3(Qwen2VL):
    family = "video_llama_3"
    loader = "VideoLlama3ForConditionalGeneration"
    video_processor = "VideoLlama3VideoProcessor"

    def geometry(self, model_dir: Path, cfg) -> tuple[int, int, int]:
        import transformers

        loader = getattr(transformers, self.video_processor)
        try:
            processor = loader.from_pretrained(model_dir, local_files_only=True)
        except OSError:  # no processor config in the folder: the processor's own defaults
            processor = loader()
        return int(cfg.vision_config.patch_size), int(processor.merge_size), 1

    def span_tokens(self, cfg) -> tuple[int | None, int | None]:
        return None, None

    def grid_inputs(self, ids: torch.Tensor, grid: torch.Tensor) -> dict:
        merge = torch.full((grid.shape[0],), self.merge, device=grid.device)
        return {"video_merge_sizes": merge}
