"""Maintenance on real Lance tables: compaction keeps every row, orphan files go."""

from __future__ import annotations

import lance
import numpy as np
import pyarrow as pa
import pytest

from vtr.errors import VtrError
from vtr.warehouse import open_warehouse
from vtr.warehouse.maintenance import maintain
from vtr.warehouse.variants import Variant, register_variant
from vtr.warehouse.vectors import vector_schema, vectors_to_arrow

VIDEO = Variant("video", "test:video", temporal="mean", frames=4)


def _data_files(wh) -> set[str]:
    return {p.name for p in (wh.vectors.table_path(VIDEO.lance_table) / "data").iterdir()}


def test_compaction_and_orphan_cleanup(wh):
    register_variant(wh, VIDEO, 4)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 4)).astype(np.float32)
    ids = [f"v'{i}" for i in range(50)]
    for a in range(0, 50, 10):  # five appends, five fragments
        wh.vectors.append(VIDEO.lance_table, "d", ids[a : a + 10], vectors[a : a + 10])
    uri = str(wh.vectors.table_path(VIDEO.lance_table))
    orphan_batch = pa.table(
        {
            "dataset": pa.array(["d"] * 3),
            "item_id": pa.array(["x", "y", "z"]),
            "vector": vectors_to_arrow(vectors[:3]),
        },
        schema=vector_schema(4),
    )
    lance.fragment.write_fragments(orphan_batch, uri)  # written, never committed: a crash
    referenced = {f.path for frag in lance.dataset(uri).get_fragments() for f in frag.data_files()}
    assert len(_data_files(wh)) > len(referenced)

    (summary,) = maintain(wh)

    assert summary["rows"] == 50
    assert (summary["fragments_before"], summary["fragments_after"]) == (5, 1)
    assert summary["bytes_removed"] > 0 and summary["versions_removed"] >= 5
    after = lance.dataset(uri)
    live = {f.path for frag in after.get_fragments() for f in frag.data_files()}
    assert _data_files(wh) == {p.split("/")[-1] for p in live}
    got_ids, got = wh.vectors.read(VIDEO.lance_table, "d", ids)
    np.testing.assert_array_equal(got, vectors)


def test_maintenance_needs_the_catalog_read_write(wh):
    root = wh.root
    wh.close()
    with open_warehouse(root, read_only=True) as ro, pytest.raises(VtrError, match="read-write"):
        maintain(ro)


def test_cli_maintenance(wh):
    import json

    from typer.testing import CliRunner

    from vtr.cli.app import app

    register_variant(wh, VIDEO, 4)
    for a in range(3):
        wh.vectors.append(VIDEO.lance_table, "d", [f"v{a}"], np.ones((1, 4), np.float32))
    root = wh.root
    wh.close()
    result = CliRunner().invoke(app, ["maintenance", str(root), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["rows"], row["fragments_before"], row["fragments_after"]) == (3, 3, 1)


def test_a_table_whose_first_commit_never_happened_is_removed(wh):
    from vtr.ingest.commit import write_fragments

    register_variant(wh, VIDEO, 4)
    folder = wh.vectors.table_path(VIDEO.lance_table)
    vectors = np.ones((2, 4), np.float32)
    write_fragments(wh.lance_path, VIDEO.lance_table, "d", ["a", "b"], vectors, VIDEO.id)
    assert folder.is_dir() and not wh.vectors.has_table(VIDEO.lance_table)

    (summary,) = maintain(wh)

    assert summary["rows"] == 0 and summary["bytes_removed"] > 0
    assert not folder.exists()


def test_maintenance_refuses_while_a_run_is_live(wh):
    """An ingest writes uncommitted fragments with the catalog released between commits;
    maintenance then must not take them for a crash's orphans."""
    from vtr.ingest.commit import write_fragments
    from vtr.warehouse.runs import finish_run, start_run

    register_variant(wh, VIDEO, 4)
    wh.vectors.append(VIDEO.lance_table, "d", ["a"], np.ones((1, 4), dtype=np.float32))
    run_id = start_run(wh, "ingest", {})
    write_fragments(wh.lance_path, VIDEO.lance_table, "d", ["b"], np.ones((1, 4)), VIDEO.id)
    files = _data_files(wh)
    with pytest.raises(VtrError, match=rf"maintenance refused: run {run_id} \(ingest, PID"):
        maintain(wh)
    assert _data_files(wh) == files  # the pending fragment is still there
    finish_run(wh, run_id, "ok", {})
    maintain(wh)
    assert len(_data_files(wh)) < len(files)
