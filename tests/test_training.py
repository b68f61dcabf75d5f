"""Training: pair views, heads and losses, the Lightning run, written-back variants."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import EvalInputError, TrainInputError
from vtr.models.data import PairDataModule
from vtr.models.heads import build_head
from vtr.models.losses import build_loss
from vtr.models.train import TrainConfig, build_model
from vtr.registry import HEADS, LOSSES
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import run_eval
from vtr.warehouse.variants import Variant, get_variant

BACKBONE = "open_clip:vtr-tiny-vit:random"
TEXT = f"text/{BACKBONE}/final/embed"
MEAN = f"video/{BACKBONE}/final/embed/mean/4f"
SEQ = f"video/{BACKBONE}/final/embed/seq/4f"
SPLITS = ("train", "val", "test")


def _split_of(wh) -> dict[str, str]:
    return dict(wh.con.execute("SELECT video_id, split FROM videos").fetchall())


def test_positive_and_sampled_negative_views_stay_in_their_split(trained_wh):
    with open_warehouse(trained_wh) as wh:
        split_of = _split_of(wh)
        for split in SPLITS:
            params = {"dataset": "synth", "split": split}
            positives = wh.sql("views/positives", params).fetchall()
            n_captions = wh.con.execute(
                "SELECT count(*) FROM captions c JOIN videos v USING (dataset, video_id) "
                "WHERE v.split = ?",
                [split],
            ).fetchone()[0]
            assert len(positives) == n_captions > 0
            assert {split_of[video] for _, video, _ in positives} == {split}
            n_videos = sum(1 for s in split_of.values() if s == split)
            k = 3
            negatives = wh.sql("views/sampled_negatives", {**params, "k": k, "seed": 1}).fetchall()
            assert len(negatives) == len(positives) * min(k, n_videos - 1)
            own = {caption: video for caption, video, _ in positives}
            assert all(video != own[caption] for caption, video, _ in negatives)
            assert {split_of[video] for _, video, _ in negatives} <= {split}
            again = wh.sql("views/sampled_negatives", {**params, "k": k, "seed": 1}).fetchall()
            assert again == negatives


def test_hard_negatives_never_contain_the_positive(trained_wh):
    with open_warehouse(trained_wh) as wh:
        mined = run_eval(wh, "synth", "train", TEXT, MEAN, k=4)
        params = {"dataset": "synth", "split": "train", "k": 3, "eval_id": mined}
        rows = wh.rows("views/hard_negatives", params)
        split_of = _split_of(wh)
    per_caption: dict[str, list] = {}
    for row in rows:
        assert row["video_id"] != row["positive_id"]
        assert split_of[row["video_id"]] == "train"
        per_caption.setdefault(row["caption_id"], []).append(row["position"])
    assert per_caption and all(len(p) == 3 and p == sorted(p) for p in per_caption.values())


def _datamodule(wh, loss: str, video: str) -> PairDataModule:
    mode = {"infonce": "positives", "infonce-hard": "hard"}.get(loss, "pairs")
    hard_eval = run_eval(wh, "synth", "train", TEXT, MEAN, k=3) if mode == "hard" else None
    data = PairDataModule(
        wh, "synth", TEXT, video, mode=mode, batch_size=32, negatives=2, hard_k=2,
        hard_eval=hard_eval,
    )  # fmt: skip
    data.setup()
    return data


@pytest.mark.parametrize(
    ("head", "loss"),
    [(head, "infonce") for head in HEADS.names()]
    + [("mlp", loss) for loss in LOSSES.names() if loss != "infonce"],
)
def test_each_head_and_loss_lowers_the_loss_in_a_few_steps(trained_wh, head, loss):
    torch.manual_seed(0)
    video = SEQ if head == "transformer" else MEAN
    with open_warehouse(trained_wh) as wh:
        data = _datamodule(wh, loss, video)
    batch = next(iter(data.train_dataloader()))
    assert batch["text"].shape[0] == batch["video"].shape[0] <= 32
    if head == "transformer":
        assert batch["video"].shape[1:] == (4, 256)
    config = TrainConfig("synth", TEXT, video, head=head, tower="both", widths=(64,), dropout=0.0)
    model = build_model(config, data.text.dim, data.video.dim, data.feature_stats())
    criterion = build_loss(loss)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)

    def loss_value() -> torch.Tensor:
        hard = None
        if "hard" in batch:
            b, k = batch["hard"].shape[:2]
            hard = model.encode_video(batch["hard"].flatten(0, 1)).view(b, k, -1)
        return criterion(
            model.encode_text(batch["text"]),
            model.encode_video(batch["video"]),
            video_index=batch["video_index"],
            label=batch["label"],
            hard=hard,
        )

    first = loss_value().item()
    for _ in range(15):
        optimizer.zero_grad()
        loss_value().backward()
        optimizer.step()
    assert loss_value().item() < 0.9 * first


def _train(runner, wh, *args):
    result = runner.invoke(
        app,
        ["train", str(wh), "--dataset", "synth", "--text-variant", TEXT, *args,
         "--epochs", "3", "--batch-size", "32", "--widths", "64", "--warmup-steps", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_train_writes_new_variants_with_all_rows_and_records_the_run(trained_wh):
    runner = CliRunner()
    out = _train(runner, trained_wh, "--video-variant", MEAN, "--head", "proj", "--dim", "64")
    with open_warehouse(trained_wh) as wh:
        n_captions, n_videos = wh.con.execute(
            "SELECT (SELECT count(*) FROM captions), (SELECT count(*) FROM videos)"
        ).fetchone()
        for variant_id, source, n in (
            (out["text_variant"], TEXT, n_captions),
            (out["video_variant"], MEAN, n_videos),
        ):
            parsed = Variant.parse(variant_id)
            assert parsed.head_run == out["run_id"] and parsed.id == variant_id
            row = get_variant(wh, variant_id)
            assert row["dim"] == 64
            assert json.loads(row["config"])["source_variant"] == source
            _, matrix = wh.vectors.read(row["lance_table"], "synth")
            assert matrix.shape == (n, 64)
            assert np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-4)
        run = wh.con.execute(
            "SELECT head, loss, checkpoint, test_eval FROM train_runs WHERE run_id = ?",
            [out["run_id"]],
        ).fetchone()
        assert run[:2] == ("proj", "infonce") and run[3] == out["test_eval"]
        assert run[2] == out["checkpoint"]
        curves = wh.con.execute(
            "SELECT epoch, name FROM train_metrics WHERE run_id = ? AND epoch >= 0",
            [out["run_id"]],
        ).fetchall()
        assert {(e, n) for e in range(3) for n in ("train/loss", "val/loss", "val/R@1")} <= set(
            curves
        )
        kind, status = wh.con.execute(
            "SELECT kind, status FROM runs WHERE run_id = ?", [out["run_id"]]
        ).fetchone()
        assert (kind, status) == ("train", "ok")
    evaluated = runner.invoke(
        app,
        ["eval", str(trained_wh), "--dataset", "synth", "--text-variant", out["text_variant"],
         "--video-variant", out["video_variant"], "--json"],
    )  # fmt: skip
    assert evaluated.exit_code == 0, evaluated.output


def test_transformer_with_hard_negatives_on_frame_sequences(trained_wh):
    out = _train(
        CliRunner(), trained_wh, "--video-variant", SEQ, "--head", "transformer",
        "--loss", "infonce-hard", "--hard-k", "2", "--mine-video-variant", MEAN,
        "--schedule", "plateau",
    )  # fmt: skip
    assert Variant.parse(out["video_variant"]).temporal == "seq"
    with open_warehouse(trained_wh) as wh:
        row = get_variant(wh, out["video_variant"])
        _, matrix = wh.vectors.read(row["lance_table"], "synth")
        assert matrix.shape == (16, 256)


def test_eval_refuses_a_sequence_variant(trained_wh):
    with open_warehouse(trained_wh) as wh, pytest.raises(EvalInputError, match="sequence"):
        run_eval(wh, "synth", "test", TEXT, SEQ)


def test_hard_negatives_need_a_shared_space_to_mine_in(trained_wh):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["train", str(trained_wh), "--dataset", "synth", "--text-variant", TEXT,
         "--video-variant", MEAN, "--loss", "infonce-hard", "--mine-video-variant", SEQ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "sequence" in result.output
    bad = runner.invoke(
        app,
        ["train", str(trained_wh), "--dataset", "synth", "--text-variant", TEXT,
         "--video-variant", MEAN, "--schedule", "linear"],
    )  # fmt: skip
    assert bad.exit_code == 1 and "unknown schedule 'linear'" in bad.output
    with open_warehouse(trained_wh) as wh, pytest.raises(TrainInputError, match="pair mode"):
        PairDataModule(wh, "synth", TEXT, MEAN, mode="nope")


def test_trained_variant_ids_parse_back():
    source = Variant("video", "open_clip:ViT-B-32:/ckpt/dir", temporal="seq", frames=8)
    trained = source.trained_by(12)
    assert Variant.parse(trained.id) == trained
    assert trained.head_run == 12 and source.head_run is None
    assert trained.trained_by(13).head_run == 13
    assert trained.lance_table != source.lance_table


def test_training_report_compares_baseline_and_trained(trained_wh, tmp_path):
    runner = CliRunner()
    out = _train(runner, trained_wh, "--video-variant", MEAN, "--head", "mlp", "--loss", "margin")
    with open_warehouse(trained_wh) as wh:
        baseline = run_eval(wh, "synth", "test", TEXT, MEAN)
    args = ["report", str(trained_wh), "--train", str(out["run_id"]), "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"Baseline (eval {baseline})" in text and f"Trained (eval {out['test_eval']})" in text
    for name in ("recall_baseline_vs_trained", "loss_curves", "val_recall_curve"):
        assert (tmp_path / f"{name}.png").stat().st_size > 0
        assert f"({name}.png)" in text
    assert "similarity_baseline.png" in text and "similarity_trained.png" in text
    both = runner.invoke(app, ["report", str(trained_wh), "--train", "1", "--eval", "1"])
    assert both.exit_code == 1 and "exactly one" in both.output


def test_learnable_temperature_is_trained_and_fixed_one_is_not():
    torch.manual_seed(0)
    text, video = torch.randn(8, 16, requires_grad=True), torch.randn(8, 16)
    learnable, fixed = build_loss("infonce", learnable=True), build_loss("infonce")
    assert [name for name, _ in learnable.named_parameters()] == ["log_scale"]
    assert list(fixed.parameters()) == [] and fixed.temperature == pytest.approx(0.07)
    optimizer = torch.optim.SGD([text, *learnable.parameters()], lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        learnable(text, video).backward()
        optimizer.step()
    assert learnable.temperature != pytest.approx(0.07)


def test_transformer_head_sees_frame_order_and_mean_pooling_heads_do_not():
    """Two videos that show the same frames in reverse order (a left and a right mover):
    a freshly built transformer head must already tell them apart by a visible margin
    (its position embeddings as large as the frame tokens), the pooling heads not at all."""
    torch.manual_seed(0)
    base, drift = torch.randn(64, 1, 32), torch.randn(64, 1, 32)
    frames = base + drift * torch.linspace(-1, 1, 8)[None, :, None]
    reversed_frames = frames.flip(1)

    def distance(a: torch.Tensor, b: torch.Tensor) -> float:
        return float((1 - torch.nn.functional.cosine_similarity(a, b)).mean())

    for kind in HEADS.names():
        head = build_head(kind, 32, 16, (64,), dropout=0.0).eval()
        with torch.no_grad():
            out, out_reversed = head(frames), head(reversed_frames)
            out_other = head(frames.roll(1, dims=0))
        if kind == "transformer":
            # position embeddings at the usual 0.02 give a ratio of ~5e-5: a mean pool
            assert distance(out, out_reversed) > 1e-3 * distance(out, out_other)
        else:
            torch.testing.assert_close(out, out_reversed)
