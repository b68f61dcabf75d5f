"""The `instructblipvideo` family: a tiny random InstructBLIP-Video saved with
save_pretrained; its vision-tower (V), Q-Former (Q), projected-query (L0) and LLM (Lk)
taps are the library's own multimodal forward, to 1e-5, all from one forward pass."""

from __future__ import annotations

import pytest
import torch
from family_checks import close, ingest_family, video_fan_out
from tiny_models import minilm_tokenizer

from vtr.errors import BackboneError, TapError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.fanout import TapPlan, tapped_layers, text_variants, video_variants
from vtr.ingest.taps import pool_tokens
from vtr.registry import BACKBONES

CPU = torch.device("cpu")
QUERIES = 4
LLM = {"model_type": "llama", "vocab_size": 30522, "hidden_size": 24, "intermediate_size": 48,
       "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2,
       "max_position_embeddings": 256, "pad_token_id": 0}  # fmt: skip


def save_instructblipvideo(folder):
    """Vision tower: 2 blocks of width 32 (32 px, 8 px patches: 17 tokens a frame);
    Q-Former: 2 layers of width 16, 4 queries; LLM: a 3-block Llama of width 24."""
    from transformers import InstructBlipVideoConfig, InstructBlipVideoForConditionalGeneration

    torch.manual_seed(0)
    config = InstructBlipVideoConfig(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                       "num_attention_heads": 2, "image_size": 32, "patch_size": 8},
        qformer_config={"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
                        "num_attention_heads": 2, "encoder_hidden_size": 32,
                        "max_position_embeddings": 64},
        text_config=LLM,
        num_query_tokens=QUERIES,
        video_token_index=30000,
    )  # fmt: skip
    InstructBlipVideoForConditionalGeneration(config).eval().save_pretrained(folder)
    minilm_tokenizer().save_pretrained(folder)
    minilm_tokenizer().save_pretrained(folder / "qformer_tokenizer")
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return save_instructblipvideo(tmp_path_factory.mktemp("instructblip video") / "model")


def _frames(n_videos=2, n_frames=3):
    torch.manual_seed(1)
    return torch.randn(n_videos, n_frames, 3, 32, 32)


def _library(encoder, frames):
    """The library's own forward: the video's query tokens alone as the LLM prompt."""
    model, prompt = encoder.model, encoder.qformer_ids
    n = frames.shape[0]
    ids = torch.full((n, frames.shape[1] * QUERIES), model.config.video_token_index)
    return model(
        pixel_values=frames,
        qformer_input_ids=prompt["input_ids"].expand(n, -1),
        qformer_attention_mask=prompt["attention_mask"].expand(n, -1),
        input_ids=ids,
        output_hidden_states=True,
    )


def test_every_stack_matches_the_library_forward(folder):
    spec = f"instructblipvideo:{folder}"
    encoder = load_video_encoder(spec, CPU)
    assert load_text_encoder(spec, CPU) is encoder  # one model for both towers
    frames = _frames()
    with torch.inference_mode():
        out = encoder.forward_video(frames, [0, 1, 3, "V0", "V2", "Q1", "Q2"])
        own = _library(encoder, frames)
        projected = encoder.video_features(frames, False).pooler_output
    rows = 2 * 3
    for k in (0, 2):  # the vision tower per frame: class token + 16 patches
        close(out.hidden[f"V{k}"], own.vision_outputs.hidden_states[k])
        assert out.hidden[f"V{k}"].shape == (rows, 17, 32)
    for k in (1, 2):  # the Q-Former at the 4 query positions only
        close(out.hidden[f"Q{k}"], own.qformer_outputs.hidden_states[k][:, :QUERIES])
        assert out.hidden[f"Q{k}"].shape == (rows, QUERIES, 16)
    llm = own.language_model_outputs.hidden_states
    close(out.hidden[0], projected.reshape(rows, QUERIES, -1))  # before the LLM
    close(out.hidden[0], llm[0].reshape(rows, QUERIES, -1))  # = the LLM's input
    for k in (1, 3):
        close(out.hidden[k], llm[k].reshape(rows, QUERIES, -1))
    assert out.embed is None and out.mask is None  # queries are never padding


def test_all_layers_and_poolings_come_from_one_forward(folder):
    spec = f"instructblipvideo:{folder}"
    encoder = load_video_encoder(spec, CPU)
    plan = TapPlan.from_options("V-1,Q-1,0,-1", "first,mean", "mean,max")
    model, frames = encoder.model, _frames()
    modules = {"vision": model.vision_model, "qformer": model.qformer, "llm": encoder.llm}
    fields, _, vectors = video_fan_out(spec, encoder, plan, frames, modules)
    assert fields[:4] == [
        "L0/first/mean/3f",
        "L0/first/max/3f",
        "L0/mean/mean/3f",
        "L0/mean/max/3f",
    ]
    assert {f.split("/")[0] for f in fields} == {"L0", "L3", "V2", "Q2"} and len(fields) == 16
    assert tapped_layers(video_variants(spec, encoder, plan, 3)) == [0, 3, "Q2", "V2"]
    with torch.inference_mode():
        own = _library(encoder, frames)
    per_frame = pool_tokens(own.qformer_outputs.hidden_states[2][:, :QUERIES], None, "first")
    expected = torch.nn.functional.normalize(per_frame, dim=-1).view(2, 3, -1).amax(dim=1)
    close(vectors[f"video/{spec}/Q2/first/max/3f"], expected)
    assert vectors[f"video/{spec}/V2/mean/mean/3f"].shape == (2, 32)
    assert vectors[f"video/{spec}/L3/mean/mean/3f"].shape == (2, 24)


def test_text_is_the_llm_over_the_caption(folder):
    spec = f"instructblipvideo:{folder}"
    encoder = load_text_encoder(spec, CPU)
    texts = ["a red circle", "a small blue square moves left"]
    tokens = encoder.tokenizer(texts, padding=True, return_tensors="pt")
    tokens.pop("token_type_ids", None)
    with torch.inference_mode():
        out = encoder.forward_texts(texts, [1, 3])
        own = encoder.model.language_model.model(**tokens, output_hidden_states=True)
    close(out.hidden[3], own.hidden_states[3])
    assert [v.id for v in text_variants(spec, encoder, TapPlan())] == [f"text/{spec}/L3/last"]
    both = TapPlan.from_options("V-1,Q-1,2", "mean")  # one --layers for both towers
    assert [v.id for v in text_variants(spec, encoder, both)] == [f"text/{spec}/L2/mean"]


def test_bad_layers_and_missing_parts_are_named(folder, tmp_path):
    spec = f"instructblipvideo:{folder}"
    encoder = load_video_encoder(spec, CPU)
    with pytest.raises(TapError, match="Q layer 3 does not exist: this model has Q layers 0..2"):
        video_variants(spec, encoder, TapPlan.from_options("Q3"), 2)
    with pytest.raises(TapError, match="no X layers; its stacks: L, V, Q"):
        video_variants(spec, encoder, TapPlan.from_options("X1"), 2)
    with pytest.raises(BackboneError, match="instructblipvideo model folder not found"):
        load_video_encoder(f"instructblipvideo:{tmp_path / 'nope'}", CPU)
    weightless = tmp_path / "config only"
    weightless.mkdir()
    (weightless / "config.json").write_text((folder / "config.json").read_text())
    with pytest.raises(
        BackboneError,
        match="cannot load instructblipvideo:.*config only.*no file named model.safetensors",
    ):
        load_video_encoder(f"instructblipvideo:{weightless}", CPU)
    for name in folder.iterdir():  # everything but the Q-Former tokenizer
        if name.is_file():
            (tmp_path / name.name).write_bytes(name.read_bytes())
    with pytest.raises(BackboneError, match="no Q-Former tokenizer in .*qformer_tokenizer"):
        load_video_encoder(f"instructblipvideo:{tmp_path}", CPU)


def test_other_model_types_are_refused(tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(tmp_path)  # fmt: skip
    with pytest.raises(
        BackboneError, match="is a 'bert' model, not one of instructblipvideo, instructblip"
    ):
        load_video_encoder(f"instructblipvideo:{tmp_path}", CPU)
    assert BACKBONES.entry("instructblipvideo").meta["towers"] == ("video", "text")


def test_ingest_writes_every_stack_on_the_synthetic_corpus(wh, small_corpus, folder):
    spec = f"instructblipvideo:{folder}"
    written = ingest_family(wh, small_corpus, spec, layers="V-1,Q-1,0,-1", poolings="mean")
    n_captions = wh.con.execute("SELECT count(*) FROM captions").fetchone()[0]
    assert written == {
        f"video/{spec}/L0/mean/mean/2f": (16, 24),
        f"video/{spec}/L3/mean/mean/2f": (16, 24),
        f"video/{spec}/Q2/mean/mean/2f": (16, 16),
        f"video/{spec}/V2/mean/mean/2f": (16, 32),
        f"text/{spec}/L0/mean": (n_captions, 24),
        f"text/{spec}/L3/mean": (n_captions, 24),
    }


def test_instructblip_image_checkpoints_load_as_the_docs_do(tmp_path):
    """The library's docs load Salesforce/instructblip-* into the video model."""
    from transformers import InstructBlipConfig, InstructBlipForConditionalGeneration

    video = save_instructblipvideo(tmp_path / "video")
    config = InstructBlipConfig.from_dict({**_config(video), "model_type": "instructblip"})
    InstructBlipForConditionalGeneration(config).eval().save_pretrained(tmp_path / "image")
    minilm_tokenizer().save_pretrained(tmp_path / "image")
    minilm_tokenizer().save_pretrained(tmp_path / "image" / "qformer_tokenizer")
    encoder = load_video_encoder(f"instructblipvideo:{tmp_path / 'image'}", CPU)
    frames = _frames()
    with torch.inference_mode():
        out = encoder.forward_video(frames, [2, "Q2"])
        own = _library(encoder, frames)
    close(out.hidden[2], own.language_model_outputs.hidden_states[2].reshape(6, QUERIES, -1))
    close(out.hidden["Q2"], own.qformer_outputs.hidden_states[2][:, :QUERIES])


def _config(folder):
    import json

    return json.loads((folder / "config.json").read_text())
