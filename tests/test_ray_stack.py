"""Ray, pylance and lance-ray as installed together, and the write path the ray engine uses.

Ray Data's own `write_lance` passes `storage_options_provider`, which pylance 5+ no
longer takes; the engine writes with `lance.fragment.write_fragments` in its actors and
commits in the driver. These tests pin the pairing and run that path for real.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from vtr.ingest.commit import Committer, write_fragments
from vtr.ingest.ray_runtime import ray_session
from vtr.warehouse.runs import start_run

STACK = ("ray", "pylance", "lance-ray")


def _pins() -> dict[str, str]:
    text = (Path(__file__).parents[1] / "constraints.txt").read_text()
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", text, flags=re.MULTILINE))


def test_installed_ray_pylance_and_lance_ray_are_the_pinned_pairing():
    pins = _pins()
    assert {name: version(name) for name in STACK} == {name: pins[name] for name in STACK}


@pytest.fixture(scope="module")
def ray(ray_cluster):
    with ray_session(ray_cluster) as ray:
        yield ray


def test_rays_own_write_lance_fails_with_this_pylance(ray, tmp_path):
    """Why the engine never calls it: the day this passes, the pairing note can go."""
    data = ray.data.from_items([{"item_id": "a", "x": 1.0}])
    with pytest.raises(Exception, match="storage_options_provider"):
        data.write_lance(str(tmp_path / "t.lance"))


def _write_in_a_worker(ray, path: Path, ids: list[str], vectors: np.ndarray, variant: str):
    task = ray.remote(num_cpus=0.5)(write_fragments)
    return ray.get(task.remote(path, "t", "d", ids, vectors, variant))


def test_fragments_written_by_ray_workers_are_committed_once_by_the_driver(ray, wh):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(6, 8)).astype(np.float32)
    ids = [f"v{i}" for i in range(6)]
    parts = [
        _write_in_a_worker(ray, wh.lance_path, ids[:3], vectors[:3], "variant"),
        _write_in_a_worker(ray, wh.lance_path, ids[3:], vectors[3:], "variant"),
    ]
    assert not wh.vectors.has_table("t")  # written, not committed: nobody sees them
    committer = Committer(wh, "d", start_run(wh, "ingest", {}), every=100)
    committer.add(parts)
    committer.close()
    stored_ids, stored = wh.vectors.read("t", "d", ids)
    assert stored_ids == ids and np.array_equal(stored, vectors)
    vector_type = wh.vectors.db.open_table("t").schema.field("vector").type
    assert vector_type == pa.list_(pa.float32(), 8)  # FixedSizeList, not a tensor extension


def test_lance_ray_round_trips_a_fixed_size_vector_column(ray, tmp_path):
    import lance
    import lance_ray

    from vtr.warehouse.vectors import vectors_to_arrow

    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    table = pa.table({"item_id": ["a", "b", "c", "d"], "vector": vectors_to_arrow(vectors)})
    uri = str(tmp_path / "t.lance")
    lance_ray.write_lance(ray.data.from_arrow(table), uri)
    back = lance.dataset(uri).to_table().sort_by("item_id")
    assert back.schema.field("vector").type == pa.list_(pa.float32(), 3)
    assert np.array_equal(np.stack(back["vector"].to_numpy(zero_copy_only=False)), vectors)
