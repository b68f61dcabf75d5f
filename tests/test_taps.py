"""Token poolings against a plain per-row torch reference; layer parsing; open_clip taps."""

import pytest
import torch

from vtr.errors import TapError
from vtr.ingest.backbones import load_video_encoder
from vtr.ingest.fanout import TapPlan, text_variants, video_variants
from vtr.ingest.taps import TOKEN_POOLINGS, parse_layers, pool_tokens, resolve_layers

CPU = torch.device("cpu")
TINY = "open_clip:vtr-tiny-vit:random"


def _reference(hidden: torch.Tensor, mask: torch.Tensor, how: str) -> torch.Tensor:
    rows = []
    for h, m in zip(hidden, mask, strict=True):
        real = h[m]  # only the real tokens, in order
        rows.append(
            {
                "first": real[0],
                "last": real[-1],
                "mean": real.mean(0),
                "max": real.max(0).values,
                "sum": real.sum(0),
            }[how]
        )
    return torch.stack(rows)


def _padded_batch(left: bool):
    torch.manual_seed(0)
    positions = torch.arange(7)
    mask = torch.stack([positions >= 7 - n if left else positions < n for n in (7, 3, 1, 5)])
    hidden = torch.randn(4, 7, 6) - 5.0  # real tokens well below zero ...
    hidden[~mask] = 100.0  # ... and padding far above, so a leak would show in every pooling
    return hidden, mask


@pytest.mark.parametrize("left", [False, True], ids=["right-padded", "left-padded"])
@pytest.mark.parametrize("how", TOKEN_POOLINGS)
def test_every_pooling_matches_the_reference_on_padded_batches(how, left):
    hidden, mask = _padded_batch(left)
    got = pool_tokens(hidden, mask, how)
    torch.testing.assert_close(got, _reference(hidden, mask, how), rtol=1e-6, atol=1e-6)
    assert (got < 50).all()  # padding never won, never leaked into a sum or mean


def test_without_a_mask_every_token_counts():
    hidden = torch.randn(3, 5, 4)
    full = torch.ones(3, 5, dtype=torch.bool)
    for how in TOKEN_POOLINGS:
        torch.testing.assert_close(pool_tokens(hidden, None, how), _reference(hidden, full, how))


def test_unknown_pooling_is_named():
    with pytest.raises(TapError, match="median"):
        pool_tokens(torch.zeros(1, 2, 3), None, "median")


def test_layers_parse_and_resolve_to_canonical_indices():
    assert parse_layers("4,8,-1") == (4, 8, -1)
    assert parse_layers(None) is None and parse_layers("") is None
    assert resolve_layers((4, 8, -1), 12) == (4, 8, 12)
    assert resolve_layers((-1, 12, 0), 12) == (0, 12)
    assert resolve_layers("all", 3) == (1, 2, 3)
    with pytest.raises(TapError, match="does not exist"):
        resolve_layers((13,), 12)
    with pytest.raises(TapError, match="does not exist"):
        resolve_layers((-14,), 12)
    with pytest.raises(TapError, match="4,8,-1"):
        parse_layers("four")


def test_plan_checks_poolings():
    plan = TapPlan.from_options("1,-1", "mean, last", ["mean,max"])
    assert plan.poolings == ("mean", "last") and plan.temporal == ("mean", "max")
    assert TapPlan.from_options().poolings == TOKEN_POOLINGS
    with pytest.raises(TapError, match="median"):
        TapPlan.from_options("1", "median")
    with pytest.raises(TapError, match="temporal"):
        TapPlan.from_options("1", "mean", "seq2")


def test_variant_ids_use_canonical_layers():
    encoder = load_video_encoder(TINY, CPU)
    plan = TapPlan.from_options("-1,1", "first,mean", "mean,max")
    ids = [v.id for v in video_variants(TINY, encoder, plan, 4)]
    assert ids[:2] == [f"video/{TINY}/final/embed/mean/4f", f"video/{TINY}/final/embed/max/4f"]
    assert f"video/{TINY}/L2/first/max/4f" in ids and len(ids) == 2 + 2 * 2 * 2
    text = [v.id for v in text_variants(TINY, encoder, plan)]
    assert text == [f"text/{TINY}/final/embed"] + [
        f"text/{TINY}/L{i}/{p}" for i in (1, 2) for p in ("first", "mean")
    ]


def test_open_clip_taps_are_block_outputs_and_embed_is_the_library_output():
    encoder = load_video_encoder(TINY, CPU)
    model = encoder.model
    frames = torch.randn(2, 3, 3, encoder.norm.size, encoder.norm.size)
    texts = ["a red circle", "a small blue square moves left, then right"]
    with torch.inference_mode():
        video = encoder.forward_video(frames, [1, 2])
        text = encoder.forward_texts(texts, [1, 2])
        own_image = model.encode_image(frames.flatten(0, 1)).view(2, 3, -1)
        own_text = model.encode_text(encoder.tokenizer(texts))
        # the last tapped layer, through the model's own head, gives its own output back
        head_image = model.visual.ln_post(video.hidden[2][:, 0]) @ model.visual.proj
        tokens = encoder.tokenizer(texts)
        eot = tokens.argmax(dim=-1)
        head_text = model.ln_final(text.hidden[2])[torch.arange(2), eot] @ model.text_projection
    torch.testing.assert_close(video.embed, own_image, atol=1e-5, rtol=0)
    torch.testing.assert_close(text.embed, own_text, atol=1e-5, rtol=0)
    torch.testing.assert_close(head_image.view(2, 3, -1), own_image, atol=1e-5, rtol=0)
    torch.testing.assert_close(head_text, own_text, atol=1e-5, rtol=0)
    assert video.hidden[1].shape == (6, 1 + (64 // 16) ** 2, encoder.video_width)
    assert text.mask.sum(1).tolist() == (tokens != 0).sum(1).tolist()
    assert not torch.allclose(video.hidden[1], video.hidden[2])
    with pytest.raises(TapError, match="layer 0"):
        encoder.forward_texts(texts, [0])


def test_a_tower_without_transformer_blocks_offers_its_own_output_only():
    spec = "open_clip:RN50:random"  # a ResNet image tower: no blocks to tap
    encoder = load_video_encoder(spec, CPU)
    assert encoder.video_layers == 0 and encoder.text_layers == 12
    assert [v.id for v in video_variants(spec, encoder, TapPlan(), 4)] == [
        f"video/{spec}/final/embed/mean/4f"
    ]
    with pytest.raises(TapError, match="no layer taps"):
        video_variants(spec, encoder, TapPlan.from_options("1"), 4)


def test_other_stacks_are_named_by_a_letter_beside_the_plain_numbers():
    from vtr.ingest.taps import Stage, layer_index, layer_name

    stages = (Stage("V", 4, 32), Stage("Q", 2, 16))
    assert parse_layers("V2, Q-1, L0, -1") == (("V", 2), ("Q", -1), 0, -1)
    assert resolve_layers(parse_layers("Q-1,V-1,V0,L0,-1"), 3, 0, stages) == (
        0,
        3,
        "V0",
        "V4",
        "Q2",
    )
    assert resolve_layers("all", 3, 0, stages) == (1, 2, 3, "V1", "V2", "V3", "V4", "Q1", "Q2")
    assert [layer_name(k) for k in (3, "V4")] == ["L3", "V4"]
    assert [layer_index(n) for n in ("L3", "V4", "final")] == [3, "V4", None]
    with pytest.raises(TapError, match="Q layer -4 does not exist: .* Q layers 0..2 .or -3..-1"):
        resolve_layers((("Q", -4),), 3, 0, stages)
    with pytest.raises(TapError, match="no X layers; its stacks: L, V, Q"):
        resolve_layers((("X", 1),), 3, 0, stages)
    with pytest.raises(TapError, match="no V layers; its stacks: L"):
        resolve_layers((("V", 1),), 3)
    with pytest.raises(TapError, match="cannot read layers"):
        parse_layers("v2")
