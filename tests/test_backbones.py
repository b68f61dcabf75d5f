import pytest
import torch

from vtr.errors import BackboneError
from vtr.ingest.backbones import load_text_encoder, load_video_encoder, split_spec
from vtr.ingest.backbones.openclip import list_architectures
from vtr.ingest.pooling import pool_frames

CPU = torch.device("cpu")


def test_shipped_tiny_config_is_listed():
    assert "vtr-tiny-vit" in list_architectures()


def test_tiny_open_clip_towers_share_one_seeded_model():
    video = load_video_encoder("open_clip:vtr-tiny-vit:random", CPU, seed=0)
    text = load_text_encoder("open_clip:vtr-tiny-vit:random", CPU, seed=0)
    assert video is text
    frames = torch.randn(2, 3, video.norm.size, video.norm.size)
    with torch.inference_mode():  # as ingest runs them (a cached model may hold such tensors)
        assert video.encode_frames(frames).shape == (2, video.dim)
        assert text.encode_texts(["a red circle", "o'brien ünï"]).shape == (2, text.dim)


def test_random_init_depends_on_seed_only():
    a = load_video_encoder("open_clip:vtr-tiny-vit:random", CPU, seed=1)
    b = load_video_encoder("open_clip:vtr-tiny-vit:random", CPU, seed=2)
    frames = torch.randn(1, 3, a.norm.size, a.norm.size)
    with torch.inference_mode():
        assert not torch.allclose(a.encode_frames(frames), b.encode_frames(frames))


def test_minilm_ships_offline():
    encoder = load_text_encoder("st:minilm", CPU)
    out = encoder.encode_texts(["a dog runs", "a cat sleeps"])
    assert out.shape == (2, 384)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("open_clip:ViT-B-32:laion2b_s34b_b79k", "not on this machine"),
        ("open_clip:ViT-B-32:no_such_tag", "known tags"),
        ("open_clip:No-Such-Arch:random", "unknown open_clip architecture"),
        ("open_clip:ViT-B-32:/missing/ckpt.bin", "not found"),
        ("open_clip:ViT-B-32", "needs weights"),
        ("clip4clip:whatever", "known forms"),
        ("st:/no/such/folder", "not found"),
    ],
)
def test_missing_weights_and_bad_specs_are_explained(spec, needle):
    with pytest.raises(BackboneError, match=needle):
        load_video_encoder(spec, CPU) if spec.startswith("open_clip") else load_text_encoder(
            spec, CPU
        )


def test_text_only_family_has_no_video_tower():
    with pytest.raises(BackboneError, match="no video tower"):
        load_video_encoder("st:minilm", CPU)
    assert split_spec("st:minilm") == ("st", "minilm")


def test_temporal_poolings():
    x = torch.tensor([[[1.0, 4.0], [3.0, 2.0]]])
    assert pool_frames(x, "mean").tolist() == [[2.0, 3.0]]
    assert pool_frames(x, "max").tolist() == [[3.0, 4.0]]
    assert pool_frames(x, "first").tolist() == [[1.0, 4.0]]
    assert pool_frames(x, "sum").tolist() == [[4.0, 6.0]]
    with pytest.raises(ValueError, match="unknown temporal pooling"):
        pool_frames(x, "median")
