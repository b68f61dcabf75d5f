"""`vtr ingest` killed inside a table's first Lance commit, as a real process: the
warehouse stays usable (`vtr variants`, `vtr check`), the rerun heals it by itself and
ends with exactly one row per item, and `vtr check --repair` cleans the dead run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.ingest.datasets import register_dataset
from vtr.warehouse import init_warehouse, open_warehouse
from vtr.warehouse.variants import list_variants

pytestmark = pytest.mark.faults
TINY = "open_clip:vtr-tiny-vit:random"
REPO = Path(__file__).resolve().parents[1]

# The child dies as a SIGKILL inside the first commit leaves a table: `_versions/`
# holding one 0-byte manifest (the kill landed while Lance wrote it).
DIE_IN_FIRST_COMMIT = """
import os, signal, sys
from vtr.ingest import commit

append = commit._append
def dying(store, table, parts, dim):
    if not store.has_table(table):
        versions = store.table_path(table) / "_versions"
        versions.mkdir(parents=True, exist_ok=True)
        (versions / "18446744073709551614.manifest").write_bytes(b"")
        os.kill(os.getpid(), signal.SIGKILL)
    append(store, table, parts, dim)
commit._append = dying
sys.argv = ["vtr", *sys.argv[1:]]
from vtr.cli import main
main()
"""


def _argv(root: Path) -> list[str]:
    return [
        "ingest", str(root), "--dataset", "synth", "--video-backbone", TINY, "--frames", "2",
        "--batch-size", "4", "--workers", "0", "--layers", "-1", "--poolings", "mean",
        "--device", "cpu", "--commit-every", "4",
    ]  # fmt: skip


def test_a_kill_in_the_first_commit_leaves_a_usable_warehouse(tmp_path, small_corpus):
    root = tmp_path / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", small_corpus, small_corpus.parent / "videos")
    code = textwrap.dedent(DIE_IN_FIRST_COMMIT)
    died = subprocess.run(
        [sys.executable, "-c", code, *_argv(root)], cwd=REPO, capture_output=True, text=True
    )
    assert died.returncode == -9, died.stderr[-2000:]
    broken = list((root / "lance").glob("*.lance/_versions/*.manifest"))
    assert broken and all(path.stat().st_size == 0 for path in broken)

    runner = CliRunner()
    listed = runner.invoke(app, ["variants", str(root), "--json"])
    assert listed.exit_code == 0, listed.output
    assert {row["rows"] for row in json.loads(listed.stdout)} == {0}
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1
    kinds = Counter(f["kind"] for f in json.loads(result.stdout)["findings"])
    assert kinds["broken_table"] == 1 and kinds["dead_run"] == 1, kinds

    rerun = runner.invoke(app, _argv(root))
    assert rerun.exit_code == 0, rerun.output
    with open_warehouse(root, read_only=True) as wh:
        videos = {r["video_id"] for r in wh.rows("ingest/videos", {"dataset": "synth"})}
        for variant in list_variants(wh):
            rows = Counter(wh.vectors.read(variant["lance_table"], "synth")[0])
            assert rows == Counter(videos), variant["variant_id"]
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert [f["kind"] for f in json.loads(result.stdout)["remaining"]] == ["dead_run"]
    result = runner.invoke(app, ["check", str(root), "--repair"])
    assert result.exit_code == 0, result.output
    runs = json.loads(runner.invoke(app, ["runs", str(root), "--json"]).stdout)
    assert [(r["kind"], r["status"]) for r in runs][1:] == [("ingest", "failed"), ("ingest", "ok")]


# The child dies as `vtr train` did when killed during its write-back: the text
# variant written, the video variant registered, its rows never appended.
DIE_IN_WRITE_BACK = """
import os, signal, sys
from vtr.warehouse.vectors import VectorStore

append, calls = VectorStore.append, []
def dying(self, table, dataset, ids, vectors):
    calls.append(table)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    append(self, table, dataset, ids, vectors)
VectorStore.append = dying
sys.argv = ["vtr", *sys.argv[1:]]
from vtr.cli import main
main()
"""


def test_train_killed_during_write_back_is_cleaned_by_check_repair(trained_wh):
    root = trained_wh
    text = f"text/{TINY}/final/embed"
    argv = ["train", str(root), "--dataset", "synth", "--text-variant", text,
            "--video-variant", f"video/{TINY}/final/embed/mean/4f", "--head", "proj",
            "--dim", "16", "--epochs", "1", "--batch-size", "32", "--widths", "16"]  # fmt: skip
    with open_warehouse(root, read_only=True) as wh:
        before = sorted(v["variant_id"] for v in list_variants(wh))
    code = textwrap.dedent(DIE_IN_WRITE_BACK)
    died = subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, capture_output=True)
    assert died.returncode == -9, died.stderr[-2000:]
    runner = CliRunner()
    runs = json.loads(runner.invoke(app, ["runs", str(root), "--json"]).stdout)
    assert (runs[-1]["kind"], runs[-1]["status"]) == ("train", "crashed")
    result = runner.invoke(app, ["check", str(root), "--json"])
    kinds = Counter(f["kind"] for f in json.loads(result.stdout)["findings"])
    assert kinds["orphan_variant"] == 2 and kinds["dead_run"] == 1, kinds
    result = runner.invoke(app, ["check", str(root), "--repair", "--json"])
    assert result.exit_code == 0, result.output
    with open_warehouse(root, read_only=True) as wh:
        assert sorted(v["variant_id"] for v in list_variants(wh)) == before
    rerun = runner.invoke(app, argv)
    assert rerun.exit_code == 0, rerun.output
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["remaining"] == []
