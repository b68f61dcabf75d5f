"""The `siglip` family: tiny random SigLIP and SigLIP 2 models saved with save_pretrained,
loaded by path; its vectors and taps are the library's own forward, to 1e-5."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from tiny_models import minilm_tokenizer

from vtr.errors import BackboneError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.registry import BACKBONES

CPU = torch.device("cpu")
TEXTS = ["a red circle", "a small blue square moves left, then right, then stops"]
TEXT = {
    "vocab_size": 30522,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "max_position_embeddings": 16,
}
VISION = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 3,
          "num_attention_heads": 2, "patch_size": 8}  # fmt: skip


def close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from transformers import Siglip2Config, Siglip2Model, SiglipConfig, SiglipModel

    root = tmp_path_factory.mktemp("siglip models")
    torch.manual_seed(0)
    v1 = SiglipModel(SiglipConfig(text_config=TEXT, vision_config={**VISION, "image_size": 32}))
    v2 = Siglip2Model(Siglip2Config(text_config=TEXT, vision_config={**VISION, "num_patches": 16}))
    out = {}
    for name, model in (("siglip", v1), ("siglip2", v2)):
        model.eval().save_pretrained(root / name)
        minilm_tokenizer().save_pretrained(root / name)
        out[name] = root / name
    return out


def _frames(encoder, n_videos=2, n_frames=3):
    torch.manual_seed(1)
    return torch.randn(n_videos, n_frames, 3, encoder.norm.size, encoder.norm.size)


def _text_matches(encoder):
    model = encoder.model
    tokens = encoder.tokenizer(TEXTS, padding="max_length", max_length=16, truncation=True,
                               return_tensors="pt")  # fmt: skip
    tokens.pop("token_type_ids", None)
    with torch.inference_mode():
        text = encoder.forward_texts(TEXTS, [1, 2])
        own = model.get_text_features(**tokens)
        states = model.text_model(**tokens, output_hidden_states=True).hidden_states
    close(text.embed, own.pooler_output)
    close(text.hidden[1], states[1])
    close(text.hidden[2], states[2])
    assert text.mask.shape == tokens["input_ids"].shape


def test_siglip_is_get_image_features_per_frame_and_get_text_features(folders):
    encoder = load_video_encoder(f"siglip:{folders['siglip']}", CPU)
    assert load_text_encoder(f"siglip:{folders['siglip']}", CPU) is encoder  # one model
    assert (encoder.dim, encoder.video_layers, encoder.norm.size) == (32, 3, 32)
    assert encoder.norm.mean == (0.5, 0.5, 0.5)
    frames = _frames(encoder)
    with torch.inference_mode():
        video = encoder.forward_video(frames, [0, 3])
        flat = frames.flatten(0, 1)
        own = encoder.model.get_image_features(pixel_values=flat).pooler_output
        states = encoder.model.vision_model(flat, output_hidden_states=True).hidden_states
        single = encoder.encode_frames(flat)
    assert video.embed.shape == (2, 3, 32)
    close(video.embed.flatten(0, 1), own)
    close(video.hidden[0], states[0])
    close(video.hidden[3], states[3])
    close(single, own)
    _text_matches(encoder)


def test_siglip2_patches_frames_as_its_image_processor_does(folders):
    from transformers.models.siglip2.image_processing_siglip2 import convert_image_to_patches

    encoder = load_video_encoder(f"siglip:{folders['siglip2']}", CPU)
    assert encoder.naflex and encoder.norm.size == 32  # 4 x 4 patches of 8 px
    frames = _frames(encoder)
    flat = frames.flatten(0, 1)
    patches = torch.stack([convert_image_to_patches(image, 8) for image in flat])
    with torch.inference_mode():
        video = encoder.forward_video(frames, [2])
        out = encoder.model.get_image_features(
            pixel_values=patches,
            pixel_attention_mask=torch.ones(len(flat), 16, dtype=torch.long),
            spatial_shapes=torch.tensor([[4, 4]] * len(flat)),
            output_hidden_states=True,
        )
    close(video.embed.flatten(0, 1), out.pooler_output)
    close(video.hidden[2], out.hidden_states[2])
    _text_matches(encoder)


def test_other_model_types_and_missing_folders_are_refused(tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(**{**TEXT, "max_position_embeddings": 16})).save_pretrained(tmp_path)
    minilm_tokenizer().save_pretrained(tmp_path)
    with pytest.raises(BackboneError, match="is a 'bert' model, not one of siglip, siglip2"):
        load_text_encoder(f"siglip:{tmp_path}", CPU)
    with pytest.raises(BackboneError, match="siglip model folder not found"):
        load_text_encoder(f"siglip:{tmp_path / 'nope'}", CPU)


def test_the_family_is_registered_and_checked_without_torch():
    assert BACKBONES.entry("siglip").meta["towers"] == ("video", "text")
    code = ("import sys; from vtr.ingest.backbones.specs import check_spec; "
            "print(check_spec('siglip:/x', 'video'), 'torch' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["('siglip',", "'/x')", "False"]
