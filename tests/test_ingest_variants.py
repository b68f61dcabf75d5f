"""Every (layer, pooling, temporal) variant from one forward pass per batch, on real MP4s."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from tiny_models import save_hf_clip, save_llava_next_video, save_lm, save_xclip
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.ingest.backbones import load_video_encoder
from vtr.ingest.datasets import register_dataset
from vtr.ingest.pipeline import ingest
from vtr.ingest.taps import pool_tokens
from vtr.ingest.video import read_frames, to_model_input
from vtr.warehouse import open_warehouse
from vtr.warehouse.variants import get_variant, list_variants

TINY = "open_clip:vtr-tiny-vit:random"
NAME = "synth"
CPU = torch.device("cpu")


def _vectors(wh, variant_id):
    table = next(r["lance_table"] for r in list_variants(wh) if r["variant_id"] == variant_id)
    ids, vectors = wh.vectors.read(table, NAME)
    return dict(zip(ids, vectors, strict=True))


def _video_paths(wh):
    rows = wh.con.execute("SELECT video_id, path FROM videos WHERE dataset = ?", [NAME]).fetchall()
    return dict(rows)


@pytest.mark.slow
def test_one_forward_per_batch_writes_every_variant(wh, small_corpus):
    register_dataset(wh, NAME, small_corpus, small_corpus.parent / "videos")
    encoder = load_video_encoder(TINY, CPU)
    calls = []
    first_block = encoder.model.visual.transformer.resblocks[0]
    hook = first_block.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        summary = ingest(wh, NAME, [TINY], [TINY], frames=2, batch_size=8, workers=0,
                         layers="1,-1", temporal="mean,max", show_progress=False)  # fmt: skip
    finally:
        hook.remove()
    assert len(calls) == 2  # 16 videos, batches of 8: one visual forward per batch
    n_captions = wh.con.execute("SELECT count(*) FROM captions WHERE dataset = ?", [NAME])
    n_captions = n_captions.fetchone()[0]
    video_ids = [r.variant_id for r in summary.variants if r.variant_id.startswith("video/")]
    text_ids = [r.variant_id for r in summary.variants if r.variant_id.startswith("text/")]
    assert len(video_ids) == 2 + 2 * 5 * 2 and len(text_ids) == 1 + 2 * 5
    written = {r.variant_id: r.written for r in summary.variants}
    assert {written[v] for v in video_ids} == {16}
    assert {written[v] for v in text_ids} == {n_captions}

    rows = {r["variant_id"]: r for r in list_variants(wh)}
    row = get_variant(wh, f"video/{TINY}/L2/max/mean/2f")
    config = json.loads(row["config"])
    assert (row["layer"], row["pooling"], row["temporal"], row["dim"]) == ("L2", "max", "mean", 128)
    assert config["family"] == "open_clip" and config["frames"] == 2 and config["image_size"] == 64
    assert rows[f"text/{TINY}/final/embed"]["dim"] == 256

    # stored vectors = the library's output / the tapped layer, pooled by hand
    video_id, path = sorted(_video_paths(wh).items())[0]
    frames = to_model_input(read_frames(path, 2)[0], encoder.norm)
    with torch.inference_mode():
        own = F.normalize(encoder.model.encode_image(frames), dim=-1)
        tokens = encoder.forward_video(frames[None], [2]).hidden[2]
    first = F.normalize(pool_tokens(tokens, None, "first"), dim=-1)
    for variant, expected in {
        f"video/{TINY}/final/embed/mean/2f": own.mean(0),
        f"video/{TINY}/final/embed/max/2f": own.amax(0),
        f"video/{TINY}/L2/first/mean/2f": first.mean(0),
    }.items():
        np.testing.assert_allclose(_vectors(wh, variant)[video_id], expected.numpy(), atol=1e-5)

    # asking for more poolings later: only the new variants are written, nothing duplicated
    again = ingest(wh, NAME, [TINY], [], frames=2, batch_size=8, workers=0, layers="-1",
                   poolings="mean,last", temporal="sum", show_progress=False)  # fmt: skip
    by_id = {r.variant_id: r for r in again.variants}
    assert by_id[f"video/{TINY}/L2/mean/sum/2f"].written == 16
    assert by_id[f"video/{TINY}/L2/mean/sum/2f"].already_present == 0
    assert len(_vectors(wh, f"video/{TINY}/L2/mean/mean/2f")) == 16
    third = ingest(wh, NAME, [TINY], [], frames=2, batch_size=8, workers=0, layers="2",
                   poolings="mean", temporal="mean", show_progress=False)  # fmt: skip
    assert [(r.written, r.already_present) for r in third.variants] == [(0, 16), (0, 16)]


@pytest.mark.slow
def test_cli_ingests_hf_families_with_layers_and_poolings(tmp_path, small_corpus):
    clip, xclip, lm = (save_hf_clip(tmp_path / "clip"), save_xclip(tmp_path / "xclip", frames=2),
                       save_lm(tmp_path / "lm"))  # fmt: skip
    vlm = save_llava_next_video(tmp_path / "vlm")
    runner = CliRunner()
    wh_dir = tmp_path / "wh"
    assert runner.invoke(app, ["init", str(wh_dir)]).exit_code == 0
    data = [
        *("ingest", str(wh_dir), "--dataset", NAME, "--annotations", str(small_corpus)),
        *("--videos", str(small_corpus.parent / "videos"), "--frames", "2"),
    ]
    backbones = [
        *("--video-backbone", f"hf_clip:{clip}", "--video-backbone", f"xclip:{xclip}"),
        *("--text-backbone", f"xclip:{xclip}", "--text-backbone", f"lm:{lm}"),
        *("--video-backbone", f"vlm:{vlm}"),
    ]
    args = [*data, *backbones, "--layers", "-1", "--poolings", "first,last", "--temporal", "max"]
    args.append("--json")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    ids = [v["variant_id"] for v in json.loads(result.stdout)["variants"]]
    assert f"video/xclip:{xclip}/final/embed/native/2f" in ids
    assert f"video/xclip:{xclip}/L3/first/max/2f" in ids
    assert f"video/hf_clip:{clip}/final/embed/max/2f" in ids
    assert f"text/xclip:{xclip}/L3/last" in ids and f"text/lm:{lm}/L4/last" in ids
    assert f"text/lm:{lm}/final/embed" not in ids
    assert [i for i in ids if i.startswith(f"video/vlm:{vlm}/")] == [
        f"video/vlm:{vlm}/L3/{pooling}/max/2f" for pooling in ("first", "last")
    ]
    with open_warehouse(wh_dir) as wh:
        native = _vectors(wh, f"video/xclip:{xclip}/final/embed/native/2f")
        assert len(native) == 16 and next(iter(native.values())).shape == (24,)

    bad = runner.invoke(app, [*data, *backbones, "--layers", "9"])
    assert bad.exit_code == 1 and "layer 9 does not exist" in bad.output
    st = runner.invoke(app, [*data, "--text-backbone", "st:minilm", "--layers", "1"])
    assert st.exit_code == 1 and "no layer taps" in st.output
