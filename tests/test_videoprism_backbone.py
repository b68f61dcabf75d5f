"""The `videoprism` family: tiny random VideoPrism models (video-text and video-only)
saved with save_pretrained; the video-native output, the spatial (S) and temporal (L)
taps and the text tower are the library's own forward, to 1e-5, from one forward pass."""

from __future__ import annotations

import pytest
import torch
from family_checks import close, ingest_family, video_fan_out
from tiny_models import minilm_tokenizer

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.fanout import TapPlan, text_variants, text_vectors, video_variants
from vtr.ingest.taps import pool_tokens

CPU = torch.device("cpu")
TEXTS = ["a red circle", "a small blue square moves left, then right, then stops"]
VISION = {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2, "image_size": 32,
          "tubelet_size": [1, 8, 8], "num_frames": 4, "num_spatial_layers": 2,
          "num_temporal_layers": 2, "num_auxiliary_layers": 1}  # fmt: skip
TEXT = {"vocab_size": 30522, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 2, "max_position_embeddings": 16}  # fmt: skip


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from transformers import (
        VideoPrismClipModel,
        VideoPrismConfig,
        VideoPrismVisionConfig,
        VideoPrismVisionModel,
    )

    root = tmp_path_factory.mktemp("videoprism models")
    torch.manual_seed(0)
    clip = VideoPrismClipModel(VideoPrismConfig(vision_config=VISION, text_config=TEXT))
    clip.eval().save_pretrained(root / "lvt")
    minilm_tokenizer().save_pretrained(root / "lvt")
    VideoPrismVisionModel(VideoPrismVisionConfig(**VISION)).eval().save_pretrained(root / "video")
    return {"lvt": root / "lvt", "video": root / "video"}


def _frames(n_videos=2, n_frames=4):
    torch.manual_seed(1)
    return torch.rand(n_videos, n_frames, 3, 32, 32)


def test_video_is_native_and_every_layer_is_the_library_forward(folders):
    spec = f"videoprism:{folders['lvt']}"
    encoder = load_video_encoder(spec, CPU)
    assert load_text_encoder(spec, CPU) is encoder
    assert encoder.norm.mean == (0.0, 0.0, 0.0) and encoder.norm.std == (1.0, 1.0, 1.0)
    frames = _frames()
    with torch.inference_mode():
        out = encoder.forward_video(frames, [1, 2, "S0", "S2"])
        own = encoder.model(pixel_values_videos=frames, input_ids=torch.ones(1, 16).long())
        video = encoder.model.get_video_features(
            pixel_values_videos=frames, output_hidden_states=True
        )
        states = video.hidden_states
    close(out.embed, own.video_embeds)  # the library's own video embedding
    assert out.embed.shape == (2, 32)
    for k in (0, 2):  # spatial: per frame, 16 patches
        close(out.hidden[f"S{k}"], states[k])
        assert out.hidden[f"S{k}"].shape == (8, 16, 32)
    temporal = states[3]  # block 1 over the 4 frames of each of the 2 x 16 patch positions
    close(out.hidden[1], temporal.view(2, 16, 4, 32).transpose(1, 2).reshape(2, 64, 32))
    close(out.hidden[2], states[-1])  # the encoder's own (B, T * patches, W) output
    assert out.hidden[2].shape == (2, 64, 32)


def test_other_frame_counts_interpolate_as_the_library_does(folders):
    encoder = load_video_encoder(f"videoprism:{folders['lvt']}", CPU)
    frames = _frames(n_frames=3)
    with torch.inference_mode():
        out = encoder.forward_video(frames, [])
        own = encoder.model.get_video_features(pixel_values_videos=frames,
                                               interpolate_pos_encoding=True)  # fmt: skip
    close(out.embed, own.pooler_output.squeeze(1))


def test_all_layers_and_poolings_come_from_one_forward(folders):
    spec = f"videoprism:{folders['lvt']}"
    encoder = load_video_encoder(spec, CPU)
    plan = TapPlan.from_options("S-1,1,-1", "first,mean", "mean,max")
    modules = {"video": encoder.model.video_model}
    fields, out, vectors = video_fan_out(spec, encoder, plan, _frames(), modules)
    assert fields[:5] == ["final/embed/native/4f", "L1/first/native/4f", "L1/mean/native/4f",
                          "L2/first/native/4f", "L2/mean/native/4f"]  # fmt: skip
    assert fields[5:] == [f"S2/{p}/{t}/4f" for p in ("first", "mean") for t in ("mean", "max")]
    close(vectors[f"video/{spec}/L2/mean/native/4f"], out.hidden[2].mean(dim=1))
    per_frame = torch.nn.functional.normalize(pool_tokens(out.hidden["S2"], None, "mean"), dim=-1)
    close(vectors[f"video/{spec}/S2/mean/max/4f"], per_frame.view(2, 4, -1).amax(dim=1))
    assert encoder.video_stages[0].width == 32


def test_text_is_get_text_features_and_its_layers(folders):
    spec = f"videoprism:{folders['lvt']}"
    encoder = load_text_encoder(spec, CPU)
    tokens = encoder.tokenizer(TEXTS, padding="max_length", max_length=16, truncation=True,
                               return_tensors="pt")  # fmt: skip
    tokens.pop("token_type_ids", None)
    with torch.inference_mode():
        out = encoder.forward_texts(TEXTS, [1, 2])
        own = encoder.model.get_text_features(**tokens, output_hidden_states=True)
    close(out.embed, own.pooler_output)
    close(out.hidden[1], own.hidden_states[1])
    assert out.mask.shape == (2, 17) and out.mask[:, -1].all()  # the appended class token
    variants = text_variants(spec, encoder, TapPlan.from_options("-1", "last"))
    assert [v.id for v in variants] == [f"text/{spec}/final/embed", f"text/{spec}/L2/last"]
    vectors = text_vectors(out, variants)
    own_last = own.last_hidden_state[:, -1]  # the class token, before the library's L2 norm
    close(vectors[f"text/{spec}/L2/last"], own_last)
    close(torch.nn.functional.normalize(own_last, dim=-1), own.pooler_output)


def test_video_only_checkpoints_have_no_embed_and_no_text(folders):
    spec = f"videoprism:{folders['video']}"
    encoder = load_video_encoder(spec, CPU)
    frames = _frames()
    with torch.inference_mode():
        out = encoder.forward_video(frames, [2, "S1"])
        own = encoder.model(pixel_values_videos=frames, output_hidden_states=True)
    assert out.embed is None
    close(out.hidden[2], own.last_hidden_state)
    close(out.hidden["S1"], own.hidden_states[1])
    assert [v.id for v in video_variants(spec, encoder, TapPlan(), 4)] == [
        f"video/{spec}/L2/mean/native/4f"
    ]
    with pytest.raises(BackboneError, match=f"{spec} has no text tower"):
        text_variants(spec, load_text_encoder(spec, CPU), TapPlan())
    with pytest.raises(TapError, match="video-only: it has no text tower"):
        encoder.forward_texts(TEXTS, [])


def test_missing_weights_and_other_models_are_named(folders, tmp_path):
    with pytest.raises(BackboneError, match="videoprism model folder not found"):
        load_video_encoder(f"videoprism:{tmp_path / 'nope'}", CPU)
    (tmp_path / "config.json").write_text((folders["lvt"] / "config.json").read_text())
    with pytest.raises(
        BackboneError, match=f"cannot load videoprism:{tmp_path}.*no file named model.safetensors"
    ):
        load_video_encoder(f"videoprism:{tmp_path}", CPU)
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(**{**TEXT, "max_position_embeddings": 16})).save_pretrained(tmp_path / "b")
    with pytest.raises(BackboneError, match="is a 'bert' model, not one of videoprism"):
        load_video_encoder(f"videoprism:{tmp_path / 'b'}", CPU)
    encoder = load_video_encoder(f"videoprism:{folders['lvt']}", CPU)
    with pytest.raises(TapError, match="layer 0 does not exist: this model has layers 1..2"):
        video_variants("videoprism:x", encoder, TapPlan.from_options("0"), 4)


def test_ingest_writes_native_variants_on_the_synthetic_corpus(wh, small_corpus, folders):
    spec = f"videoprism:{folders['lvt']}"
    written = ingest_family(wh, small_corpus, spec, layers="S-1,-1", poolings="mean")
    n_captions = wh.con.execute("SELECT count(*) FROM captions").fetchone()[0]
    assert written == {
        f"video/{spec}/final/embed/native/2f": (16, 32),
        f"video/{spec}/L2/mean/native/2f": (16, 32),
        f"video/{spec}/S2/mean/mean/2f": (16, 32),
        f"text/{spec}/final/embed": (n_captions, 32),
        f"text/{spec}/L2/mean": (n_captions, 32),
    }
