"""Qwen2-VL in the `vlm:` family, from a tiny random model saved to disk.

Fidelity: the patches equal the installed `Qwen2VLVideoProcessor`'s; `L0` is the
library's own `get_video_features` (vision tower + merger); `Lk` is the library's own
multimodal forward (inputs built by the installed `Qwen2VLProcessor`, positions from
its own M-RoPE) at the video-token positions, to 1e-5; ingest writes what it says.
"""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from tiny_models import save_qwen2_vl

from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.datasets import register_dataset
from vtr.ingest.fanout import TapPlan, text_variants, video_variants
from vtr.ingest.pipeline import ingest
from vtr.ingest.taps import pool_tokens
from vtr.ingest.video import read_frames, to_model_input
from vtr.warehouse.variants import get_variant, list_variants

CPU = torch.device("cpu")
TEXTS = ["a red circle", "a small blue square moves left, then right, then stops"]
SPAN = "<|vision_start|><|video_pad|><|vision_end|>"


def close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    folder = save_qwen2_vl(tmp_path_factory.mktemp("qwen models") / "qwen2 vl")
    return folder, load_video_encoder(f"vlm:{folder}", CPU)


@pytest.fixture(scope="module")
def library(qwen):
    """The library's own model and processor, loaded from the same folder."""
    from transformers import (
        AutoTokenizer,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    folder, _ = qwen
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(),
        tokenizer=AutoTokenizer.from_pretrained(folder),
        video_processor=Qwen2VLVideoProcessor.from_pretrained(folder),
    )
    return Qwen2VLForConditionalGeneration.from_pretrained(folder).eval(), processor


def _videos(n_videos=2, n_frames=3, side=56):
    generator = np.random.default_rng(1)
    return generator.integers(0, 256, (n_videos, n_frames, side, side, 3), dtype=np.uint8)


def test_qwen2_vl_patches_are_the_installed_processors(qwen, library):
    _, encoder = qwen
    _, processor = library
    videos = _videos(n_frames=3)  # odd: the last frame is repeated to fill a temporal patch
    own = processor.video_processor(videos=list(videos), return_tensors="pt")
    frames = torch.stack([to_model_input(video, encoder.norm) for video in videos])
    pixels, grid = encoder.video_inputs(frames)
    assert encoder.norm.size == 56 and grid.tolist() == [[2, 4, 4]] * 2
    assert own["video_grid_thw"].tolist() == grid.tolist()
    close(pixels, own["pixel_values_videos"])


def test_qwen2_vl_before_and_after_the_llm_match_the_library(qwen, library):
    folder, encoder = qwen
    model, processor = library
    videos = _videos(n_frames=4)
    inputs = processor(text=[SPAN] * 2, videos=list(videos), return_tensors="pt")
    frames = torch.stack([to_model_input(video, encoder.norm) for video in videos])
    with torch.inference_mode():
        out = encoder.forward_video(frames, [0, 1, 2, 3])
        own = model(**inputs, output_hidden_states=True)
        merged = model.get_video_features(
            inputs["pixel_values_videos"], inputs["video_grid_thw"]
        ).pooler_output
    at_video = inputs["input_ids"] == model.config.video_token_id
    assert at_video.sum(1).tolist() == [2 * 4] * 2  # 2 temporal patches of 2x2 merged tokens
    # L0, before the LLM: the vision tower + merger, one row per temporal patch
    close(out.hidden[0], torch.cat(merged).reshape(4, 4, -1))
    for layer in (0, 1, 2, 3):  # after the LLM: its own hidden states at the video tokens
        close(out.hidden[layer], own.hidden_states[layer][at_video].reshape(4, 4, -1))
    assert not torch.allclose(out.hidden[1], out.hidden[3])
    spec = f"vlm:{folder}"
    plan = TapPlan.from_options("0,-1", "mean", "seq")
    assert [v.id for v in video_variants(spec, encoder, plan, 4)] == [
        f"video/{spec}/L0/mean/seq/4f",
        f"video/{spec}/L3/mean/seq/4f",
    ]
    assert [v.id for v in text_variants(spec, encoder, TapPlan())] == [f"text/{spec}/L3/last"]


def test_qwen2_vl_captions_match_the_library_caption_by_caption(qwen, library):
    folder, _ = qwen
    encoder = load_text_encoder(f"vlm:{folder}", CPU)
    model, processor = library
    with torch.inference_mode():
        batch = encoder.forward_texts(TEXTS, [1, 3])
        alone = [
            model(**processor.tokenizer(text, return_tensors="pt"), output_hidden_states=True)
            for text in TEXTS
        ]
    assert batch.mask[0].sum() < batch.mask.shape[1]  # the short caption was padded
    for row, own in enumerate(alone):
        real = batch.mask[row]
        for layer in (1, 3):
            close(batch.hidden[layer][row][real], own.hidden_states[layer][0])
        last = pool_tokens(batch.hidden[3], batch.mask, "last")[row]
        close(last, own.hidden_states[3][0, -1])


def _vectors(wh, dataset, variant_id):
    table = next(r["lance_table"] for r in list_variants(wh) if r["variant_id"] == variant_id)
    ids, vectors = wh.vectors.read(table, dataset)
    return dict(zip(ids, vectors, strict=True))


def test_qwen2_vl_ingest_writes_before_and_after_the_llm_variants(wh, small_corpus, qwen):
    folder, encoder = qwen
    spec = f"vlm:{folder}"
    register_dataset(wh, "synth", small_corpus, small_corpus.parent / "videos")
    summary = ingest(wh, "synth", [spec], [spec], frames=3, batch_size=8, workers=0,
                     layers="0,1,2,-1", poolings="mean", temporal="mean,seq",
                     show_progress=False)  # fmt: skip
    written = {r.variant_id: r.written for r in summary.variants}
    n_captions = wh.con.execute("SELECT count(*) FROM captions WHERE dataset = 'synth'")
    n_captions = n_captions.fetchone()[0]
    video = [f"video/{spec}/L{k}/mean/{t}/3f" for k in range(4) for t in ("mean", "seq")]
    text = [f"text/{spec}/L{k}/mean" for k in range(4)]
    assert written == {**dict.fromkeys(video, 16), **dict.fromkeys(text, n_captions)}
    assert summary.failed == 0

    seq = get_variant(wh, f"video/{spec}/L3/mean/seq/3f")
    config = json.loads(seq["config"])
    # 3 frames -> 2 temporal patches (the last frame repeated): seq_len counts patches
    assert (seq["frames"], seq["dim"], config["seq_len"]) == (3, 32, 2)
    assert config["frames_per_step"] == 2 and config["image_size"] == 56
    assert get_variant(wh, f"text/{spec}/L0/mean")["dim"] == 32

    # stored = the library's vision tower + merger / LLM states, pooled the same way
    video_id, path = wh.con.execute(
        "SELECT video_id, path FROM videos WHERE dataset = 'synth' ORDER BY video_id LIMIT 1"
    ).fetchone()
    frames = to_model_input(read_frames(path, 3)[0], encoder.norm)
    with torch.inference_mode():
        pixels, grid = encoder.video_inputs(frames[None])
        merged = encoder.model.visual(pixels, grid_thw=grid).pooler_output.reshape(2, 4, -1)
        states = encoder.forward_video(frames[None], [3]).hidden[3]
    before = F.normalize(merged.mean(1), dim=-1).mean(0)
    after = F.normalize(states.mean(1), dim=-1).flatten()
    stored = _vectors(wh, "synth", f"video/{spec}/L0/mean/mean/3f")[video_id]
    np.testing.assert_allclose(stored, before.numpy(), atol=1e-5)
    stored = _vectors(wh, "synth", f"video/{spec}/L3/mean/seq/3f")[video_id]
    assert stored.shape == (2 * 32,)
    np.testing.assert_allclose(stored, after.numpy(), atol=1e-5)


def test_qwen2_vl_frame_side_follows_the_processor_config(tmp_path):
    from transformers import Qwen2VLImageProcessor

    from vtr.errors import BackboneError
    from vtr.ingest.backbones.qwen_vl import video_norm

    assert video_norm(tmp_path, 14, 2, 2).size == 336  # no config: the processor's defaults
    hub_style = Qwen2VLImageProcessor(min_pixels=56 * 56, max_pixels=28 * 28 * 16384)
    hub_style.save_pretrained(tmp_path)  # preprocessor_config.json, as Qwen2-VL folders ship
    norm = video_norm(tmp_path, 14, 2, 2)
    assert norm.size == 224 and norm.mean == tuple(hub_style.image_mean)
    with pytest.raises(BackboneError, match="temporal_patch_size is 2, the vision tower's 4"):
        video_norm(tmp_path, 14, 2, 4)
