"""Training in two processes (DDP on CPU): rank 0 alone opens the catalog."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vtr.models.distributed import process_rank
from vtr.warehouse import open_warehouse
from vtr.warehouse.variants import get_variant

BACKBONE = "open_clip:vtr-tiny-vit:random"


@pytest.mark.parametrize(
    ("env", "rank"),
    [
        ({}, 0),
        ({"LOCAL_RANK": "0", "NODE_RANK": "0"}, 0),
        ({"LOCAL_RANK": "1"}, 1),
        ({"RANK": "3", "LOCAL_RANK": "1"}, 3),
        ({"SLURM_PROCID": "2"}, 2),
        ({"LOCAL_RANK": "0", "NODE_RANK": "1"}, 1),
    ],
)
def test_process_rank_reads_the_launchers_variables(monkeypatch, env, rank):
    for name in ("RANK", "SLURM_PROCID", "NODE_RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert process_rank() == rank


@pytest.mark.slow
def test_ddp_on_two_cpu_processes_trains_and_writes_once(trained_wh, tmp_path):
    """Lightning's own launcher starts rank 1 as a second `vtr train`; it trains on the
    data rank 0 shared and never opens the catalog (which would fail: rank 0 holds it)."""
    vtr = Path(sys.executable).with_name("vtr")
    args = [
        str(vtr), "train", str(trained_wh), "--dataset", "synth",
        "--text-variant", f"text/{BACKBONE}/final/embed",
        "--video-variant", f"video/{BACKBONE}/final/embed/mean/4f",
        "--accelerator", "cpu", "--devices", "2", "--strategy", "ddp",
        "--epochs", "2", "--batch-size", "8", "--out", str(tmp_path / "run"),
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == ["best.ckpt"]
    assert not list((tmp_path / "run").glob("shared-data-*"))
    with open_warehouse(trained_wh, read_only=True) as wh:
        runs = wh.rows("runs/list")
        assert [r["status"] for r in runs if r["kind"] == "train"] == ["ok"]
        for variant_id in (summary["text_variant"], summary["video_variant"]):
            row = get_variant(wh, variant_id)
            ids, _ = wh.vectors.read(row["lance_table"], "synth")
            assert len(ids) == len(set(ids)) > 0
        epochs = wh.con.execute(
            "SELECT count(DISTINCT epoch) FROM train_metrics WHERE run_id = ? AND epoch >= 0",
            [summary["run_id"]],
        ).fetchone()[0]
        assert epochs == 2
