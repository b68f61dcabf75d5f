"""Shared fixtures: real warehouses in temp folders, a small real synthetic corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtr.warehouse import init_warehouse


@pytest.fixture
def wh(tmp_path: Path):
    """A fresh warehouse in a folder whose name has a space, a quote and unicode."""
    with init_warehouse(tmp_path / "ware house 'ü'") as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """A 16-video synthetic corpus (real MP4s); returns its annotations.json path."""
    from vtr.ingest.synthetic import generate_retrieval_corpus

    root = tmp_path_factory.mktemp("corpus")
    return generate_retrieval_corpus(root, n_videos=16, seed=3)


@pytest.fixture
def tiny(tmp_path: Path):
    """(root, data): a tiny warehouse with known embeddings (see tests/tiny.py)."""
    from tiny import build_tiny_warehouse

    root = tmp_path / "tiny wh"
    return root, build_tiny_warehouse(root)


@pytest.fixture(scope="module")
def trained_wh(tmp_path_factory, small_corpus):
    """A warehouse (one per test module) of the 16-video corpus: text, and mean and seq
    video variants (4 frames)."""
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.pipeline import ingest

    backbone = "open_clip:vtr-tiny-vit:random"
    root = tmp_path_factory.mktemp("train") / "wh"
    with init_warehouse(root) as wh:
        register_dataset(wh, "synth", small_corpus, small_corpus.parent / "videos")
        common = {"frames": 4, "workers": 0, "show_progress": False}
        ingest(wh, "synth", [backbone], [backbone], temporal="mean", **common)
        ingest(wh, "synth", [backbone], [], temporal="seq", **common)
    return root


RAY_HEAD = """
import sys
from vtr.ingest.ray_runtime import ray_session
with ray_session(None, num_cpus=2) as ray:
    print(ray.get_runtime_context().gcs_address, flush=True)
    sys.stdin.read()  # runs until the test session closes stdin
"""


@pytest.fixture(scope="session")
def ray_cluster():
    """The address of a 2-CPU local Ray cluster, run by a head process of its own.

    The cluster uses Ray's token authentication; drivers of this session (this process
    and its children) join it with RAY_AUTH_MODE=token and the token Ray keeps.
    """
    import os
    import select
    import subprocess
    import sys

    mode = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "token"
    head = subprocess.Popen(
        [sys.executable, "-c", RAY_HEAD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([head.stdout], [], [], 180)
        address = head.stdout.readline().strip() if ready else ""
        assert address, f"the Ray head exited with code {head.poll()}"
        yield address
    finally:
        head.stdin.close()  # the head stops its cluster and exits
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        if mode is None:
            os.environ.pop("RAY_AUTH_MODE")
        else:
            os.environ["RAY_AUTH_MODE"] = mode
