"""The `pe_video` family: a tiny random Perception Encoder video model (a 1-block timm PE
frame tower, a 2-block temporal transformer, a 2-layer ModernBERT) saved with
save_pretrained; its vectors and taps are `PeVideoModel.forward`'s own, to 1e-5."""

from __future__ import annotations

import pytest
import torch
from family_checks import close, ingest_family, video_fan_out
from tiny_models import minilm_tokenizer

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.fanout import TapPlan, text_variants, text_vectors
from vtr.ingest.taps import pool_tokens
from vtr.warehouse.variants import Variant

CPU = torch.device("cpu")
TEXTS = ["a red circle", "a small blue square moves left, then right, then stops"]
TEXT = {
    "model_type": "modernbert",
    "vocab_size": 30522,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "pad_token_id": 0,
    "bos_token_id": 101,
    "eos_token_id": 102,
    "cls_token_id": 101,
    "sep_token_id": 102,
    "max_position_embeddings": 64,
    "global_attn_every_n_layers": 1,
}
FRAMES = {
    "architecture": "vit_pe_core_tiny_patch16_384",
    "num_classes": 16,
    "model_args": {"img_size": 32, "embed_dim": 32, "depth": 1, "num_heads": 2},
}
VIDEO = {"vision_config": FRAMES, "hidden_size": 24, "intermediate_size": 48,
         "num_hidden_layers": 2, "num_attention_heads": 2, "head_dim": 12,
         "max_position_embeddings": 64}  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from transformers import PeVideoConfig, PeVideoModel

    path = tmp_path_factory.mktemp("pe video") / "model"
    torch.manual_seed(0)
    PeVideoModel(PeVideoConfig(text_config=TEXT, video_config=VIDEO)).eval().save_pretrained(path)
    minilm_tokenizer().save_pretrained(path)
    return path


def _frames(n_videos=2, n_frames=3):
    torch.manual_seed(1)
    return torch.randn(n_videos, n_frames, 3, 32, 32)


def _library(encoder, frames):
    tokens = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        return encoder.model(
            input_ids=tokens["input_ids"],
            attention_mask=tokens["attention_mask"],
            pixel_values_videos=frames,
            output_hidden_states=True,
        )


def test_both_towers_are_the_library_forward(folder):
    spec = f"pe_video:{folder}"
    encoder = load_video_encoder(spec, CPU)
    assert load_text_encoder(spec, CPU) is encoder
    assert (encoder.dim, encoder.norm.size, encoder.norm.mean) == (32, 32, (0.5, 0.5, 0.5))
    frames = _frames()
    own = _library(encoder, frames)
    with torch.inference_mode():
        video = encoder.forward_video(frames, [0, 1, 2])
        text = encoder.forward_texts(TEXTS, [0, 2])
    close(video.embed, own.video_embeds)
    close(text.embed, own.text_video_embeds)
    states = own.video_outputs.hidden_states
    close(video.hidden[0], states[0])  # class token + 3 frames
    close(video.hidden[1], states[1])
    assert video.hidden[0].shape == video.hidden[2].shape == (2, 4, 24)
    close(video.hidden[2][:, 0], own.video_outputs.pooler_output)
    close(video.hidden[2][:, 1:], own.video_outputs.last_hidden_state)
    close(text.hidden[2], own.text_outputs.hidden_states[2])
    padded = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")["attention_mask"]
    assert torch.equal(text.mask, padded.bool()) and not text.mask.all()  # the short caption pads


def test_all_layers_and_poolings_come_from_one_forward(folder):
    spec = f"pe_video:{folder}"
    encoder = load_video_encoder(spec, CPU)
    plan = TapPlan.from_options("all", "first,mean", "mean")
    modules = {"frames": encoder.model.video_encoder.embedder.vision_model,
               "temporal": encoder.model.video_encoder}  # fmt: skip
    fields, out, vectors = video_fan_out(spec, encoder, plan, _frames(), modules)
    assert fields == ["final/embed/native/3f"] + [
        f"L{k}/{p}/native/3f" for k in (1, 2) for p in ("first", "mean")
    ]
    close(vectors[f"video/{spec}/L1/mean/native/3f"], out.hidden[1].mean(dim=1))
    close(vectors[f"video/{spec}/final/embed/native/3f"], out.embed)
    text_plan = TapPlan.from_options("0,-1", "first,last")
    variants = text_variants(spec, encoder, text_plan)
    assert [v.id[len(f"text/{spec}/") :] for v in variants] == [
        "final/embed", "L0/first", "L0/last", "L2/first", "L2/last"]  # fmt: skip
    assert all(Variant.parse(v.id) == v for v in variants)
    with torch.inference_mode():
        text = encoder.forward_texts(TEXTS, [0, 2])
    vectors = text_vectors(text, variants)
    close(vectors[f"text/{spec}/L2/last"], pool_tokens(text.hidden[2], text.mask, "last"))


def test_missing_weights_and_other_models_are_named(folder, tmp_path):
    with pytest.raises(BackboneError, match="pe_video model folder not found"):
        load_video_encoder(f"pe_video:{tmp_path / 'nope'}", CPU)
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    with pytest.raises(
        BackboneError, match=f"cannot load pe_video:{tmp_path}.*no file named model.safetensors"
    ):
        load_video_encoder(f"pe_video:{tmp_path}", CPU)
    from transformers import BertConfig, BertModel

    bert = tmp_path / "bert"
    BertModel(BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(bert)  # fmt: skip
    with pytest.raises(BackboneError, match="is a 'bert' model, not pe_video"):
        load_video_encoder(f"pe_video:{bert}", CPU)
    encoder = load_video_encoder(f"pe_video:{folder}", CPU)
    with pytest.raises(TapError, match="no V layers"):
        text_variants("pe_video:x", encoder, TapPlan.from_options("V1"))


def test_ingest_writes_native_variants_on_the_synthetic_corpus(wh, small_corpus, folder):
    spec = f"pe_video:{folder}"
    written = ingest_family(wh, small_corpus, spec, layers="-1", poolings="first")
    n_captions = wh.con.execute("SELECT count(*) FROM captions").fetchone()[0]
    assert written == {
        f"video/{spec}/final/embed/native/2f": (16, 32),
        f"video/{spec}/L2/first/native/2f": (16, 24),
        f"text/{spec}/final/embed": (n_captions, 32),
        f"text/{spec}/L2/first": (n_captions, 32),
    }
