"""Feedback on long work: rates on bars, timed plain lines off a terminal, epochs while
training, and a Ctrl-C that says what was kept."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time

import pytest
from rich.progress import Progress

from vtr.progress import RateColumn, progress_bar, progress_line

LINE = re.compile(
    r"^work: (\d+)/20 items \((\d+)%\), [\d.]+ items/s, (ETA \d:\d\d:\d\d|done in .*)"
)


def test_a_plain_line_gives_count_percent_rate_and_eta():
    with Progress(disable=True) as progress:
        task_id = progress.add_task("video tiny", total=300)
        progress.update(task_id, completed=120)
        (task,) = progress.tasks
        task.start_time -= 15.0  # 120 items in 15 s
        line = progress_line(task)
        assert line.startswith("video tiny: 120/300 items (40%), 8.0 items/s, ETA 0:00:")
        assert str(RateColumn().render(task)) == "8.0 items/s"
        progress.update(task_id, unit="epochs", status="val/R@1 12.38")
        assert re.search(r"epochs/s, ETA 0:00:2[23], val/R@1 12\.38$", progress_line(task))


def test_off_a_terminal_lines_come_every_interval_and_once_at_the_end(monkeypatch, capsys):
    monkeypatch.setenv("VTR_PROGRESS_INTERVAL", "0.05")
    with progress_bar() as progress:
        task = progress.add_task("work", total=20)
        for _ in range(20):
            time.sleep(0.02)
            progress.advance(task)
    lines = capsys.readouterr().err.splitlines()
    matched = [LINE.match(line) for line in lines]
    assert all(matched), lines
    assert len(lines) >= 3  # several timed lines, not only the final frame
    assert [int(m.group(1)) for m in matched] == sorted(int(m.group(1)) for m in matched)
    assert lines[-1].startswith("work: 20/20 items (100%)") and "done in" in lines[-1]
    assert sum("done in" in line for line in lines) == 1
    assert any("ETA" in line for line in lines[:-1])


def test_a_bad_interval_warns_and_falls_back(monkeypatch, capsys):
    from vtr.progress import progress_interval

    monkeypatch.setenv("VTR_PROGRESS_INTERVAL", "soon")
    assert progress_interval() == 10.0
    assert "not a positive number of seconds" in capsys.readouterr().err


def test_disabled_progress_prints_nothing(capsys):
    with progress_bar(enabled=False) as progress:
        task = progress.add_task("quiet", total=3)
        progress.advance(task, 3)
    assert capsys.readouterr().err == ""


def test_training_shows_epochs_and_the_latest_metric(monkeypatch, capsys):
    import lightning as L
    import torch

    from vtr.models.fitting import fit_plainly

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def training_step(self, batch, batch_idx):
            loss = ((self.w * batch[0]) ** 2).mean()
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    monkeypatch.setenv("VTR_PROGRESS_INTERVAL", "100")
    data = torch.utils.data.TensorDataset(torch.ones(4, 1))
    fit_plainly(Module(), torch.utils.data.DataLoader(data, batch_size=2), epochs=3, label="fit")
    lines = capsys.readouterr().err.splitlines()
    assert lines and lines[-1].startswith("fit: 3/3 epochs (100%), ")
    assert "done in" in lines[-1] and "train_loss " in lines[-1]


# Sends itself a real SIGINT right after the ingest's first commit, then runs the CLI.
INTERRUPTER = """
import os, signal, sys
# a background job of a non-interactive shell starts with SIGINT ignored; a terminal's
# Ctrl-C is what this test is about
signal.signal(signal.SIGINT, signal.default_int_handler)
from vtr.ingest import commit
real = commit.Committer.commit
def commit_then_ctrl_c(self):
    real(self)
    if self.commits == 1:
        os.kill(os.getpid(), signal.SIGINT)
commit.Committer.commit = commit_then_ctrl_c
from vtr.cli.app import app
sys.argv = ["vtr", *sys.argv[1:]]
app()
"""


@pytest.mark.slow
def test_ctrl_c_during_ingest_reports_what_was_committed_and_exits_130(tmp_path, small_corpus):
    root = tmp_path / "wh"
    base = ["ingest", str(root), "--dataset", "synth", "--frames", "2", "--workers", "0"]
    base += ["--video-backbone", "open_clip:vtr-tiny-vit:random", "--batch-size", "4"]
    base += ["--commit-every", "4"]
    vtr = [sys.executable, "-c", "from vtr.cli.app import app; app(prog_name='vtr')"]
    env = {**os.environ, "VTR_PROGRESS_INTERVAL": "100"}
    assert subprocess.run([*vtr, "init", str(root)], capture_output=True).returncode == 0
    first = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(INTERRUPTER), *base,
         "--annotations", str(small_corpus), "--videos", str(small_corpus.parent / "videos")],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert first.returncode == 130, first.stderr
    assert "Traceback" not in first.stderr
    assert re.search(r"interrupted: run \d+ committed 4 video items", first.stdout + first.stderr)
    assert "running the same command again resumes" in first.stdout + first.stderr
    again = subprocess.run([*vtr, *base, "--json"], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    (variant,) = json.loads(again.stdout)["variants"]
    assert variant["already_present"] == 4 and variant["written"] == 12
