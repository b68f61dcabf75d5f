"""Hugging Face families from tiny random models saved to disk and loaded by path.

Fidelity: `final/embed` is the library's own output (`get_image_features`,
`get_video_features`, `get_text_features`) and every tapped layer is the
library's own `hidden_states[k]`, to 1e-5.
"""

import pytest
import torch
from tiny_models import (
    save_bert,
    save_hf_clip,
    save_llava_next_video,
    save_lm,
    save_video_llava,
    save_xclip,
)

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.fanout import TapPlan, text_variants, video_variants
from vtr.ingest.taps import pool_tokens

CPU = torch.device("cpu")
TEXTS = ["a red circle", "a small blue square moves left, then right, then stops"]


def close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf models")
    return {
        "hf_clip": save_hf_clip(root / "clip"),
        "xclip": save_xclip(root / "xclip", frames=4),
        "hf_text": save_bert(root / "bert"),
        "lm": save_lm(root / "lm"),
        "vlm": save_llava_next_video(root / "llava next video"),
        "video_llava": save_video_llava(root / "video llava"),
    }


def _frames(encoder, n_videos=2, n_frames=4):
    torch.manual_seed(1)
    return torch.randn(n_videos, n_frames, 3, encoder.norm.size, encoder.norm.size)


def test_hf_clip_matches_get_image_and_text_features(models):
    encoder = load_video_encoder(f"hf_clip:{models['hf_clip']}", CPU)
    model, frames = encoder.model, _frames(encoder)
    tokens = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        video = encoder.forward_video(frames, [0, 2, 3])
        text = encoder.forward_texts(TEXTS, [1, 3])
        own = model.get_image_features(pixel_values=frames.flatten(0, 1)).pooler_output
        own_text = model.get_text_features(**tokens).pooler_output
        states = model.vision_model(frames.flatten(0, 1), output_hidden_states=True)
        text_states = model.text_model(**tokens, output_hidden_states=True)
    close(video.embed, own.view(2, 4, -1))
    close(text.embed, own_text)
    for layer in (0, 2, 3):
        close(video.hidden[layer], states.hidden_states[layer])
    close(text.hidden[1], text_states.hidden_states[1])
    assert text.mask.tolist() == tokens["attention_mask"].bool().tolist()
    assert encoder.video_layers == 3 and encoder.dim == 24 and encoder.video_width == 48


def test_xclip_video_features_are_video_native(models):
    spec = f"xclip:{models['xclip']}"
    encoder = load_video_encoder(spec, CPU)
    assert load_text_encoder(spec, CPU) is encoder  # both towers share one model
    model, frames = encoder.model, _frames(encoder)
    tokens = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        video = encoder.forward_video(frames, [3])
        text = encoder.forward_texts(TEXTS, [])
        own = model.get_video_features(pixel_values=frames).pooler_output
        own_text = model.get_text_features(**tokens).pooler_output
        per_frame = model.vision_model(frames.flatten(0, 1), output_hidden_states=True)
        swapped = encoder.forward_video(frames.flip(1), []).embed
    assert video.embed.shape == (2, encoder.dim)
    close(video.embed, own)
    close(text.embed, own_text)
    close(video.hidden[3], per_frame.hidden_states[3])
    assert not torch.allclose(swapped, video.embed, atol=1e-4)  # the frame order matters
    with pytest.raises(BackboneError, match="--frames 4"):
        encoder.forward_video(_frames(encoder, n_frames=3), [])


def test_bert_style_encoder_taps_every_layer(models):
    encoder = load_text_encoder(f"hf_text:{models['hf_text']}", CPU)
    from transformers import AutoModel

    reference = AutoModel.from_pretrained(models["hf_text"]).eval()
    tokens = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        out = encoder.forward_texts(TEXTS, [0, 1, 2, 3])
        states = reference(**tokens, output_hidden_states=True).hidden_states
    assert out.embed is None and len(out.hidden) == 4
    for layer in range(4):
        close(out.hidden[layer], states[layer])
    assert [v.id.split("/", 2)[2] for v in text_variants("hf_text:x", encoder, TapPlan())] == [
        "L3/mean"  # no projected output: the last layer, mean-pooled, stands in
    ]


def test_decoder_lm_last_token_ignores_padding(models):
    spec = f"lm:{models['lm']}"
    encoder = load_text_encoder(spec, CPU)
    from transformers import AutoModelForCausalLM

    reference = AutoModelForCausalLM.from_pretrained(models["lm"]).eval()
    tokens = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        batch = encoder.forward_texts(TEXTS, [2, 4])
        alone = encoder.forward_texts(TEXTS[:1], [2, 4])  # no padding at all
        states = reference(**tokens, output_hidden_states=True).hidden_states
    close(batch.hidden[2], states[2])
    assert batch.mask[0].sum() < batch.mask.shape[1]  # the short caption was padded
    for layer in (2, 4):
        close(pool_tokens(batch.hidden[layer], batch.mask, "last")[:1],
              pool_tokens(alone.hidden[layer], alone.mask, "last"))  # fmt: skip
    ids = [v.id for v in text_variants(spec, encoder, TapPlan.from_options("-2", "last"))]
    assert ids == [f"text/{spec}/L3/last"]
    assert [v.id for v in text_variants(spec, encoder, TapPlan())] == [f"text/{spec}/L4/last"]


def _ours_and_the_library(encoder, n_frames: int, layers: list[int]):
    """(our tapped forward, the projected video tokens, the library's own multimodal
    forward with the video tokens alone as the prompt) on 2 random videos."""
    model, frames = encoder.model, _frames(encoder, n_frames=n_frames)
    with torch.inference_mode():
        out = encoder.forward_video(frames, layers)
        projected = encoder.video_tokens(frames)
        ids = torch.full(projected.shape[:2], model.config.video_token_index)
        own = model(input_ids=ids, pixel_values_videos=frames, output_hidden_states=True)
    return out, projected, own


def test_video_llm_before_and_after_the_llm_match_the_library(models):
    spec = f"vlm:{models['vlm']}"
    encoder = load_video_encoder(spec, CPU)
    out, projected, own = _ours_and_the_library(encoder, 3, [0, 1, 3])
    assert projected.shape == (2, 3 * 4, encoder.video_width)  # 4 pooled tokens a frame
    close(out.hidden[0], projected.reshape(6, 4, -1))  # L0: the projector output, before the LLM
    for layer in (1, 3):
        close(out.hidden[layer], own.hidden_states[layer].reshape(6, 4, -1))
    assert not torch.allclose(out.hidden[0], out.hidden[3])
    plan = TapPlan.from_options("0,-1", "mean", "max")
    assert [v.id for v in video_variants(spec, encoder, plan, 3)] == [
        f"video/{spec}/L0/mean/max/3f",
        f"video/{spec}/L3/mean/max/3f",
    ]
    assert [v.id for v in text_variants(spec, encoder, TapPlan())] == [f"text/{spec}/L3/last"]


def test_st_has_no_taps_and_missing_folders_are_explained(tmp_path):
    encoder = load_text_encoder("st:minilm", CPU)
    with pytest.raises(TapError, match="no layer taps"):
        text_variants("st:minilm", encoder, TapPlan.from_options("1"))
    for family in ("hf_clip", "xclip", "hf_text", "lm"):
        with pytest.raises(BackboneError, match=f"{family} model folder not found"):
            load_text_encoder(f"{family}:{tmp_path / 'nothing here'}", CPU)
    with pytest.raises(BackboneError, match="local Hugging Face cache"):
        load_text_encoder("lm:no-such-org/no-such-model", CPU)
    with pytest.raises(BackboneError, match="no video tower"):
        load_video_encoder(f"lm:{tmp_path}", CPU)


def test_video_llava_before_and_after_the_llm_match_the_library(models):
    spec = f"vlm:{models['video_llava']}"
    encoder = load_video_encoder(spec, CPU)
    out, projected, own = _ours_and_the_library(encoder, 2, [0, 2, 3])
    with torch.inference_mode():
        text = encoder.forward_texts(TEXTS, [1])
    tokens = projected.shape[1] // 2  # per frame: the patches and the class token
    assert tokens == (encoder.norm.size // 8) ** 2 + 1
    close(out.hidden[0], projected.reshape(4, tokens, -1))  # L0: before the LLM
    for layer in (2, 3):
        close(out.hidden[layer], own.hidden_states[layer].reshape(4, tokens, -1))
    assert text.hidden[1].shape[0] == len(TEXTS)


def test_vlm_refuses_a_model_that_is_not_a_video_llm(models):
    with pytest.raises(BackboneError, match="is a 'llama' model"):
        load_video_encoder(f"vlm:{models['lm']}", CPU)
