"""Tiny random video LLMs of the newer families, saved with `save_pretrained`.

Each has a 2-block vision tower and a 2-block LLM of width 32 (a few hundred kB), with the
byte-level BPE tokenizer of `tiny_models.qwen_tokenizer` (plus the family's own specials).
"""

from __future__ import annotations

from pathlib import Path

import torch
from tiny_models import QWEN_SPECIAL, qwen_tokenizer

WIDTH = 32


def _llm(tokenizer, ids: dict[str, int], **extra) -> dict:
    return {
        "vocab_size": len(tokenizer),
        "hidden_size": WIDTH,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
        **extra,
    }


def _tokenizer(extra: tuple[str, ...] = ()):
    tokenizer = qwen_tokenizer()
    if extra:
        tokenizer.add_special_tokens({"additional_special_tokens": [*QWEN_SPECIAL, *extra]})
    names = [*QWEN_SPECIAL, *extra]
    return tokenizer, dict(zip(names, tokenizer.convert_tokens_to_ids(names), strict=True))


def _qwen_ids(ids: dict[str, int]) -> dict:
    return {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
    }


def _qwen_vision(**extra) -> dict:
    return {
        "depth": 2,
        "hidden_size": WIDTH,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": WIDTH,
        **extra,
    }


def _vision(**extra) -> dict:
    """A 2-block vision tower of width 32 (ViT-style config keys)."""
    return {
        "hidden_size": WIDTH,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        **extra,
    }


def _save(model, tokenizer, processor, folder: Path) -> Path:
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    if processor is not None:
        processor.save_pretrained(folder)
    return folder


def save_qwen2_5_vl(folder: Path, seed: int = 0) -> Path:
    """A Qwen2.5-VL: 14 px patches, 2x2 merge, 56 px frames -> 4 video tokens a temporal patch."""
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2VLVideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer, ids = _tokenizer()
    rope = {"rope_type": "default", "mrope_section": [2, 1, 1]}
    config = Qwen2_5_VLConfig(
        vision_config=_qwen_vision(window_size=28, fullatt_block_indexes=[1]),
        text_config=_llm(tokenizer, ids, rope_parameters=rope),
        **_qwen_ids(ids),
    )
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    processor = Qwen2VLVideoProcessor(size={"shortest_edge": 28 * 28, "longest_edge": 56 * 56})
    return _save(model, tokenizer, processor, folder)


def save_qwen3_vl(folder: Path, seed: int = 0) -> Path:
    """A Qwen3-VL: 16 px patches, 2x2 merge, 64 px frames -> 4 video tokens a temporal patch,
    DeepStack from vision block 0 into the first LLM block."""
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLVideoProcessor

    torch.manual_seed(seed)
    tokenizer, ids = _tokenizer()
    rope = {"rope_type": "default", "mrope_section": [2, 1, 1], "mrope_interleaved": True}
    config = Qwen3VLConfig(
        vision_config=_qwen_vision(num_position_embeddings=64, deepstack_visual_indexes=[0]),
        text_config=_llm(tokenizer, ids, head_dim=8, rope_parameters=rope),
        **_qwen_ids(ids),
    )
    model = Qwen3VLForConditionalGeneration(config).eval()
    processor = Qwen3VLVideoProcessor(size={"shortest_edge": 32 * 32, "longest_edge": 64 * 64})
    return _save(model, tokenizer, processor, folder)


def save_internvl(folder: Path, seed: int = 0) -> Path:
    """An InternVL: a 2-block InternViT (32 px, 8 px patches), pixel shuffle 0.5 -> 4 tokens
    a frame, a 2-block Qwen2 LLM."""
    from transformers import (
        InternVLConfig,
        InternVLForConditionalGeneration,
        InternVLVideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer, ids = _tokenizer(("<img>", "</img>", "<IMG_CONTEXT>"))
    config = InternVLConfig(
        vision_config=_vision(image_size=[32, 32], patch_size=[8, 8]),
        text_config={"model_type": "qwen2", **_llm(tokenizer, ids)},
        image_token_id=ids["<IMG_CONTEXT>"],
        downsample_ratio=0.5,
    )
    model = InternVLForConditionalGeneration(config).eval()
    processor = InternVLVideoProcessor(size={"height": 32, "width": 32})
    return _save(model, tokenizer, processor, folder)


def save_llava_onevision(folder: Path, seed: int = 0) -> Path:
    """A LLaVA-OneVision: a 2-block SigLIP tower (32 px, 8 px patches), 2x2 pooling -> 4
    tokens a frame, a 2-block Qwen2 LLM."""
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        LlavaOnevisionVideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer, ids = _tokenizer(("<image>", "<video>"))
    config = LlavaOnevisionConfig(
        vision_config=_vision(model_type="siglip_vision_model", image_size=32, patch_size=8),
        text_config={"model_type": "qwen2", **_llm(tokenizer, ids)},
        image_token_index=ids["<image>"],
        video_token_index=ids["<video>"],
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        image_grid_pinpoints=[[32, 32]],
    )
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    processor = LlavaOnevisionVideoProcessor(size={"height": 32, "width": 32})
    return _save(model, tokenizer, processor, folder)


def save_video_llama_3(folder: Path, seed: int = 0) -> Path:
    """A VideoLLaMA3: a 2-block vision encoder (14 px patches), 2x2 downsampling, 56 px
    frames -> 4 tokens a frame, a 2-block Qwen2 LLM."""
    from transformers import (
        VideoLlama3Config,
        VideoLlama3ForConditionalGeneration,
        VideoLlama3VideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer, ids = _tokenizer()
    config = VideoLlama3Config(
        vision_config=_vision(patch_size=14),
        text_config={"model_type": "qwen2", **_llm(tokenizer, ids)},
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
    )
    model = VideoLlama3ForConditionalGeneration(config).eval()
    processor = VideoLlama3VideoProcessor(
        size={"shortest_edge": 28 * 28, "longest_edge": 56 * 56}, use_token_compression=False
    )
    return _save(model, tokenizer, processor, folder)
