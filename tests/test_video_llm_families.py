"""Video LLM families (`qwen2_5_vl`, `qwen3_vl`, `internvl`, `llava_onevision`,
`video_llama_3`), from tiny random models saved to disk.

Per family: `L0` (before the LLM) equals the library's own `get_video_features`, and
`Lk` (after the LLM) the library's own forward's `hidden_states[k]` at the video tokens,
to 1e-5; every layer and pooling comes out of one forward; the variant ids parse back;
captions equal the library's LLM caption by caption; a folder without weights fails
with a BackboneError naming the missing file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import tiny_video_llms as tiny
import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder
from vtr.ingest.fanout import TapPlan, tapped_layers, text_variants, video_variants, video_vectors
from vtr.ingest.taps import pool_tokens
from vtr.ingest.video import to_model_input
from vtr.warehouse.variants import Variant

CPU = torch.device("cpu")
TEXTS = ["a red circle", "a small blue square moves left, then right, then stops"]
N_FRAMES = 4


def close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def _videos(side: int, n_videos: int = 2, n_frames: int = N_FRAMES) -> np.ndarray:
    generator = np.random.default_rng(1)
    return generator.integers(0, 256, (n_videos, n_frames, side, side, 3), dtype=np.uint8)


# ------------------------------------------------------------------ the library's side


def qwen_reference(model, folder, videos, layers):
    """Pixels from the installed video processor, prompt ids built from the tokenizer:
    one span (Qwen2.5-VL) or one span per temporal patch (Qwen3-VL)."""
    from transformers import AutoTokenizer, AutoVideoProcessor

    processor = AutoVideoProcessor.from_pretrained(folder)
    own = processor(videos=list(videos), do_resize=False, return_tensors="pt")
    grid = own["video_grid_thw"]
    steps, per_step = int(grid[0, 0]), int(grid[0, 1:].prod()) // 4
    span = "<|vision_start|>" + "<|video_pad|>" * per_step + "<|vision_end|>"
    prompt = (
        span * steps
        if model.config.model_type == "qwen3_vl"
        else span.replace("<|video_pad|>" * per_step, "<|video_pad|>" * (per_step * steps))
    )
    ids = AutoTokenizer.from_pretrained(folder)([prompt] * len(videos), return_tensors="pt")
    ids = ids["input_ids"]
    at_video = ids == model.config.video_token_id
    out = model(
        input_ids=ids,
        pixel_values_videos=own["pixel_values_videos"],
        video_grid_thw=grid,
        mm_token_type_ids=at_video.int() * 2,
        output_hidden_states=True,
    )
    merged = model.get_video_features(own["pixel_values_videos"], grid).pooler_output
    rows = len(videos) * steps
    before = torch.cat(merged).reshape(rows, per_step, -1)
    after = {k: out.hidden_states[k][at_video].reshape(rows, per_step, -1) for k in layers}
    return before, after, own["pixel_values_videos"]


def _frame_pixels(folder, videos):
    from transformers import AutoVideoProcessor

    processor = AutoVideoProcessor.from_pretrained(folder)
    return processor(videos=list(videos), do_resize=False, return_tensors="pt")[
        "pixel_values_videos"
    ]


def internvl_reference(model, folder, videos, layers):
    """Frames as images; prompt = `<img>` + the frame's `<IMG_CONTEXT>` tokens + `</img>`."""
    from transformers import AutoTokenizer

    pixels = _frame_pixels(folder, videos)
    n_videos, n_frames = pixels.shape[:2]
    prompt = ("<img>" + "<IMG_CONTEXT>" * 4 + "</img>") * n_frames
    ids = AutoTokenizer.from_pretrained(folder)([prompt] * n_videos, return_tensors="pt")
    ids = ids["input_ids"]
    at_video = ids == model.config.image_token_id
    out = model(input_ids=ids, pixel_values=pixels.flatten(0, 1), output_hidden_states=True)
    before = model.get_image_features(pixel_values=pixels.flatten(0, 1)).pooler_output
    rows = n_videos * n_frames
    after = {k: out.hidden_states[k][at_video].reshape(rows, 4, -1) for k in layers}
    return before, after, pixels


def onevision_reference(model, folder, videos, layers):
    """The `<video>` placeholders alone; the video's trailing `image_newline` token dropped."""
    pixels = _frame_pixels(folder, videos)
    n_videos, n_frames = pixels.shape[:2]
    ids = torch.full((n_videos, n_frames * 4 + 1), model.config.video_token_id)
    out = model(input_ids=ids, pixel_values_videos=pixels, output_hidden_states=True)
    own = model.get_video_features(pixel_values_videos=pixels).pooler_output
    rows = n_videos * n_frames
    before = own[:, :-1].reshape(rows, 4, -1)
    after = {k: out.hidden_states[k][:, :-1].reshape(rows, 4, -1) for k in layers}
    return before, after, pixels


def video_llama_3_reference(model, folder, videos, layers):
    """Patches, grids and merge sizes from the installed video processor (no token
    compression); prompt = the `<|video_pad|>` placeholders alone."""
    from transformers import AutoTokenizer, AutoVideoProcessor

    processor = AutoVideoProcessor.from_pretrained(folder)
    own = processor(videos=list(videos), do_resize=False, return_tensors="pt")
    grid, merge = own["video_grid_thw"], own["video_merge_sizes"]
    n_frames, per_frame = int(grid[0, 0]), int(grid[0, 1:].prod() // merge[0] ** 2)
    prompt = "<|video_pad|>" * (n_frames * per_frame)
    ids = AutoTokenizer.from_pretrained(folder)([prompt] * len(videos), return_tensors="pt")
    pixels, ids = own["pixel_values_videos"], ids["input_ids"]
    out = model(input_ids=ids, pixel_values_videos=pixels, video_grid_thw=grid,
                video_merge_sizes=merge, output_hidden_states=True)  # fmt: skip
    own_tokens = model.model.get_video_features(pixels, grid, merge).pooler_output
    rows = len(videos) * n_frames
    before = torch.cat(own_tokens).reshape(rows, per_frame, -1)
    after = {k: out.hidden_states[k].reshape(rows, per_frame, -1) for k in layers}
    return before, after, pixels


@dataclass
class Case:
    save: Callable
    loader: str  # the transformers class of the whole model
    reference: Callable
    side: int  # the frame side the tiny model's processor config gives
    steps: int  # time steps (rows per video) of N_FRAMES frames
    tokens: int  # video tokens a step
    vision_tower: str = "visual"  # the base model's vision tower attribute

    def llm_blocks(self, encoder):
        return encoder.model.language_model.layers

    def vision(self, encoder):
        return getattr(encoder.model, self.vision_tower)


CASES = {
    "qwen2_5_vl": Case(tiny.save_qwen2_5_vl, "Qwen2_5_VLForConditionalGeneration",
                       qwen_reference, side=56, steps=2, tokens=4),
    "qwen3_vl": Case(tiny.save_qwen3_vl, "Qwen3VLForConditionalGeneration",
                     qwen_reference, side=64, steps=2, tokens=4),
    "internvl": Case(tiny.save_internvl, "InternVLForConditionalGeneration",
                     internvl_reference, side=32, steps=N_FRAMES, tokens=4,
                     vision_tower="vision_tower"),
    "llava_onevision": Case(tiny.save_llava_onevision, "LlavaOnevisionForConditionalGeneration",
                            onevision_reference, side=32, steps=N_FRAMES, tokens=4,
                            vision_tower="vision_tower"),
    "video_llama_3": Case(tiny.save_video_llama_3, "VideoLlama3ForConditionalGeneration",
                          video_llama_3_reference, side=56, steps=N_FRAMES, tokens=4,
                          vision_tower="vision_model"),
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(CASES))
def family(request, tmp_path_factory):
    """(family, case, folder, encoder, library model) for one family."""
    import transformers

    name, case = request.param, CASES[request.param]
    folder = case.save(tmp_path_factory.mktemp("video llms") / f"tiny {name}")
    encoder = load_video_encoder(f"{name}:{folder}", CPU)
    model = getattr(transformers, case.loader).from_pretrained(folder).eval()
    return name, case, folder, encoder, model


def test_before_and_after_the_llm_match_the_library(family):
    name, case, folder, encoder, model = family
    assert encoder.norm.size == case.side
    videos = _videos(case.side)
    frames = torch.stack([to_model_input(video, encoder.norm) for video in videos])
    layers = list(range(encoder.video_layers + 1))
    with torch.inference_mode():
        out = encoder.forward_video(frames, layers)
        before, after, pixels = case.reference(model, folder, videos, layers)
    # the pixels (Qwen: the patches) are the installed video processor's
    ours = encoder.video_inputs(frames)[0] if hasattr(encoder, "video_inputs") else frames
    close(ours, pixels)
    rows = (2 * case.steps, case.tokens, encoder.video_width)
    assert out.hidden[0].shape == rows
    close(out.hidden[0], before)  # L0: the projector output, before the LLM
    for layer in layers:  # after the LLM: the library's hidden states at the video tokens
        close(out.hidden[layer], after[layer])
    assert not torch.allclose(out.hidden[1], out.hidden[layers[-1]])
    diff = max((out.hidden[k] - after[k]).abs().max().item() for k in layers)
    print(f"{name}: max |ours - library| over L0..L{layers[-1]} = {diff:.2e}")


def test_every_layer_and_pooling_come_out_of_one_forward(family):
    name, case, folder, encoder, _ = family
    spec = f"{name}:{folder}"
    plan = TapPlan.from_options("0,1,-1", "mean,last,max", "mean,max,seq")
    variants = video_variants(spec, encoder, plan, N_FRAMES)
    assert len(variants) == 3 * 3 * 3
    calls = []
    hooks = [
        case.vision(encoder).register_forward_pre_hook(lambda *_: calls.append("vision")),
        case.llm_blocks(encoder)[0].register_forward_pre_hook(lambda *_: calls.append("llm")),
    ]
    frames = torch.randn(2, N_FRAMES, 3, case.side, case.side)
    try:
        with torch.inference_mode():
            out = encoder.forward_video(frames, tapped_layers(variants))
    finally:
        for hook in hooks:
            hook.remove()
    assert calls == ["vision", "llm"]
    vectors = video_vectors(out, 2, N_FRAMES, variants)
    assert set(vectors) == {v.id for v in variants}
    width = encoder.video_width
    for variant in variants:
        expected = case.steps * width if variant.temporal == "seq" else width
        assert vectors[variant.id].shape == (2, expected)
        assert Variant.parse(variant.id) == variant  # the ids parse back
    last = encoder.video_layers
    assert f"video/{spec}/L{last}/last/seq/{N_FRAMES}f" in vectors
    texts = text_variants(spec, encoder, TapPlan.from_options("0,-1", "last,mean", "mean"))
    assert [v.id for v in texts] == [
        f"text/{spec}/L{k}/{p}" for k in (0, last) for p in ("last", "mean")
    ]
    assert all(Variant.parse(v.id) == v for v in texts)


def test_captions_match_the_library_caption_by_caption(family):
    name, _, folder, _, model = family
    encoder = load_text_encoder(f"{name}:{folder}", CPU)
    last = encoder.text_layers
    with torch.inference_mode():
        batch = encoder.forward_texts(TEXTS, [1, last])
        alone = [
            model(**encoder.tokenizer(text, return_tensors="pt"), output_hidden_states=True)
            for text in TEXTS
        ]
    assert batch.mask[0].sum() < batch.mask.shape[1]  # the short caption was padded
    for row, own in enumerate(alone):
        real = batch.mask[row]
        for layer in (1, last):
            close(batch.hidden[layer][row][real], own.hidden_states[layer][0])
        close(
            pool_tokens(batch.hidden[last], batch.mask, "last")[row], own.hidden_states[last][0, -1]
        )
        mean = pool_tokens(batch.hidden[last], batch.mask, "mean")[row]
        close(mean, own.hidden_states[last][0].mean(0))


def test_a_folder_without_weights_names_what_is_missing(family, tmp_path):
    name, _, folder, _, _ = family
    bare = tmp_path / "no weights"
    shutil.copytree(folder, bare)
    (bare / "model.safetensors").unlink()
    with pytest.raises(BackboneError, match=rf"{name}:.*no weights.*model\.safetensors"):
        load_video_encoder(f"{name}:{bare}", CPU)
    with pytest.raises(BackboneError, match=f"{name} model folder not found: .*nowhere"):
        load_video_encoder(f"{name}:{tmp_path / 'nowhere'}", CPU)


def test_a_folder_of_another_model_type_is_refused(family, tmp_path):
    name, _, _, _, _ = family
    other = tiny.save_qwen3_vl if name != "qwen3_vl" else tiny.save_qwen2_5_vl
    folder = other(tmp_path / "other")
    with pytest.raises(BackboneError, match=f"{name}:.* model; {name}: takes {name} \\(it has"):
        load_video_encoder(f"{name}:{folder}", CPU)


def test_vlm_points_a_folder_of_these_types_to_its_family(family):
    name, _, folder, _, _ = family
    with pytest.raises(BackboneError, match=rf"vlm: takes .* \(it has its own family: {name}:"):
        load_video_encoder(f"vlm:{folder}", CPU)


def test_ingest_writes_before_and_after_the_llm_variants(family, wh, small_corpus):
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.pipeline import ingest
    from vtr.ingest.video import read_frames
    from vtr.warehouse.variants import get_variant, list_variants

    name, case, folder, encoder, _ = family
    spec = f"{name}:{folder}"
    register_dataset(wh, "synth", small_corpus, small_corpus.parent / "videos")
    summary = ingest(wh, "synth", [spec], [spec], frames=2, batch_size=8, workers=0,
                     layers="0,-1", poolings="mean,last", temporal="mean",
                     show_progress=False)  # fmt: skip
    assert summary.failed == 0
    last = encoder.video_layers
    video = [f"video/{spec}/L{k}/{p}/mean/2f" for k in (0, last) for p in ("mean", "last")]
    text = [f"text/{spec}/L{k}/{p}" for k in (0, last) for p in ("mean", "last")]
    written = {r.variant_id: r.written for r in summary.variants}
    assert set(written) == {*video, *text} and {written[v] for v in video} == {16}
    assert get_variant(wh, video[-1])["dim"] == encoder.video_width

    video_id, path = wh.con.execute(
        "SELECT video_id, path FROM videos WHERE dataset = 'synth' ORDER BY video_id LIMIT 1"
    ).fetchone()
    frames = to_model_input(read_frames(path, 2)[0], encoder.norm)
    with torch.inference_mode():
        states = encoder.forward_video(frames[None], [last]).hidden[last]
    expected = torch.nn.functional.normalize(states.mean(1), dim=-1).mean(0)
    table = next(r["lance_table"] for r in list_variants(wh) if r["variant_id"] == video[2])
    ids, vectors = wh.vectors.read(table, "synth")
    np.testing.assert_allclose(dict(zip(ids, vectors, strict=True))[video_id], expected.numpy(),
                               atol=1e-5)  # fmt: skip


def test_frame_llm_folders_that_disagree_with_their_model_are_refused(tmp_path):
    from tiny_models import qwen_tokenizer
    from transformers import InternVLVideoProcessor

    folder = tiny.save_internvl(tmp_path / "internvl")
    wrong_side = tmp_path / "wrong side"
    shutil.copytree(folder, wrong_side)
    InternVLVideoProcessor(size={"height": 48, "width": 48}).save_pretrained(wrong_side)
    with pytest.raises(BackboneError, match="resizes frames to 48 px, the vision tower takes 32"):
        load_video_encoder(f"internvl:{wrong_side}", CPU)
    no_img = tmp_path / "no img token"
    shutil.copytree(folder, no_img)
    for old in no_img.glob("*token*"):
        old.unlink()
    qwen_tokenizer().save_pretrained(no_img)  # without InternVL's <img> / </img>
    with pytest.raises(BackboneError, match="internvl:.*the tokenizer has no '<img>'"):
        load_video_encoder(f"internvl:{no_img}", CPU)
