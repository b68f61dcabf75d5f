"""The two-phase ingest commit on a real warehouse: fragments, commits, done marks, reconcile."""

from __future__ import annotations

import pickle
import shutil
from collections import Counter

import duckdb
import lance
import numpy as np
import pytest

from vtr.errors import EmbeddingError
from vtr.ingest.commit import Committer, Fragments, reconcile, write_fragments
from vtr.warehouse import open_warehouse
from vtr.warehouse.migrations import latest_version
from vtr.warehouse.variants import Variant, register_variant

TEXT = Variant("text", "test:commit")
VIDEO = Variant("video", "test:commit", temporal="mean", frames=4)
ODD_IDS = [
    "it's",
    "a'; DROP TABLE ingest_done; --",
    "two  spaces ",
    "vidéo ü 日本",
    'double "quote"',
    "back\\slash",
    "new\nline",
    "' OR '1'='1",
]


@pytest.fixture
def variants(wh):
    register_variant(wh, TEXT, 4)
    register_variant(wh, VIDEO, 6)
    return wh


def _vectors(n: int, dim: int, start: float = 0.0) -> np.ndarray:
    return (start + np.arange(n * dim, dtype=np.float32)).reshape(n, dim)


def _parts(wh, variant, dim, ids, dataset="d"):
    vectors = _vectors(len(ids), dim)
    return write_fragments(wh.lance_path, variant.lance_table, dataset, ids, vectors, variant.id)


def _marks(wh, variant, dataset="d") -> set[str]:
    rows = wh.con.execute(
        "SELECT item_id FROM ingest_done WHERE dataset = ? AND variant_id = ?",
        [dataset, variant.id],
    ).fetchall()
    return {row[0] for row in rows}


def _rows(wh, variant, dataset="d") -> list[str]:
    return wh.vectors.read(variant.lance_table, dataset)[0]


def test_round_trip_commits_every_k_items_and_marks_them(variants):
    wh = variants
    committer = Committer(wh, "d", run_id=7, every=3)
    committer.add([_parts(wh, TEXT, 4, ["a", "b"]), _parts(wh, VIDEO, 6, ["a", "b"])])
    assert committer.commits == 0  # two distinct items buffered, not yet three
    assert not wh.vectors.has_table(TEXT.lance_table) and _marks(wh, TEXT) == set()
    committer.add([_parts(wh, TEXT, 4, ["c"]), _parts(wh, VIDEO, 6, ["c", "d"])])
    assert committer.commits == 1
    assert sorted(_rows(wh, TEXT)) == ["a", "b", "c"] and _marks(wh, TEXT) == {"a", "b", "c"}
    assert sorted(_rows(wh, VIDEO)) == ["a", "b", "c", "d"]
    committer.add([_parts(wh, TEXT, 4, ["e"])])
    committer.close()
    assert committer.commits == 2 and dict(committer.committed) == {TEXT.id: 4, VIDEO.id: 4}
    assert sorted(_rows(wh, TEXT)) == ["a", "b", "c", "e"]
    run_ids = wh.con.execute("SELECT DISTINCT run_id FROM ingest_done").fetchall()
    assert run_ids == [(7,)]
    ids, vectors = wh.vectors.read(VIDEO.lance_table, "d", ["a", "b"])
    np.testing.assert_array_equal(vectors, _vectors(2, 6))
    assert reconcile(wh, "d", [TEXT, VIDEO.id]) == {
        TEXT.id: {"a", "b", "c", "e"},
        VIDEO.id: {"a", "b", "c", "d"},
    }


def test_uncommitted_fragments_are_invisible(variants):
    wh = variants
    wh.vectors.append(TEXT.lance_table, "d", ["old"], _vectors(1, 4))
    table = lance.dataset(str(wh.vectors.table_path(TEXT.lance_table)))
    version = table.version
    part = _parts(wh, TEXT, 4, ["new1", "new2"])
    _parts(wh, VIDEO, 6, ["new1"])  # a table whose first rows were never committed
    assert len(part.fragments) == 1 and part.dim == 4
    assert _rows(wh, TEXT) == ["old"]
    assert lance.dataset(table.uri).version == version
    assert not wh.vectors.has_table(VIDEO.lance_table)
    assert wh.vectors.count(VIDEO.lance_table) == 0
    assert reconcile(wh, "d", [VIDEO]) == {VIDEO.id: set()}
    # a Fragments object crosses process boundaries as it is
    assert pickle.loads(pickle.dumps(part)) == part


def test_odd_item_ids_round_trip_and_reconcile_exactly(variants):
    wh = variants
    marked, unmarked = ODD_IDS[::2], ODD_IDS[1::2]
    committer = Committer(wh, "d", run_id=1)
    committer.add([_parts(wh, TEXT, 4, marked)])
    committer.close()
    # rows committed to Lance whose catalog commit never happened
    wh.vectors.append(TEXT.lance_table, "d", unmarked + [marked[0]], _vectors(5, 4))
    # same ids in another dataset, committed the old way, are not this ingest's business
    wh.vectors.append(TEXT.lance_table, "other", unmarked, _vectors(4, 4))
    assert reconcile(wh, "d", [TEXT]) == {TEXT.id: set(marked)}
    assert sorted(_rows(wh, TEXT)) == sorted(marked)  # the duplicate of marked[0] went too
    assert sorted(_rows(wh, TEXT, "other")) == sorted(unmarked)
    ids, vectors = wh.vectors.read(TEXT.lance_table, "d", marked)
    np.testing.assert_array_equal(vectors, _vectors(len(marked), 4))
    assert wh.con.execute("SELECT count(*) FROM ingest_done").fetchone() == (len(marked),)


def test_marks_of_rows_that_are_gone_are_dropped(variants):
    wh = variants
    committer = Committer(wh, "d", run_id=1)
    committer.add([_parts(wh, TEXT, 4, ["a", "b"])])
    committer.close()
    shutil.rmtree(wh.vectors.table_path(TEXT.lance_table))  # the table was removed by hand
    assert reconcile(wh, "d", [TEXT]) == {TEXT.id: set()}
    assert _marks(wh, TEXT) == set()


def test_bad_vectors_are_refused_before_anything_is_written(variants):
    wh = variants
    bad = _vectors(3, 4)
    bad[1, 2] = np.nan
    with pytest.raises(EmbeddingError, match='NaN or Inf, e.g. item "it\'s"'):
        write_fragments(wh.lance_path, TEXT.lance_table, "d", ["x", "it's", "y"], bad, TEXT.id)
    with pytest.raises(EmbeddingError, match=r"expected a \(n, dim\) array"):
        write_fragments(wh.lance_path, TEXT.lance_table, "d", ["x", "y"], np.ones(2), TEXT.id)
    assert not wh.vectors.table_path(TEXT.lance_table).exists()
    wh.vectors.append(TEXT.lance_table, "d", ["x"], _vectors(1, 4))
    with pytest.raises(EmbeddingError, match="stores dim 4 but these embeddings have dim 5"):
        write_fragments(wh.lance_path, TEXT.lance_table, "d", ["y"], _vectors(1, 5), TEXT.id)
    with pytest.raises(ValueError, match="at least 1"):
        Committer(wh, "d", run_id=1, every=0)
    assert write_fragments(wh.lance_path, TEXT.lance_table, "d", [], np.zeros((0, 4)), TEXT.id) \
        == Fragments(TEXT.id, TEXT.lance_table, [], [], 0)  # fmt: skip


def test_fragments_written_after_the_table_was_created_elsewhere_commit(variants):
    """A worker that wrote 'create' fragments before the driver's first commit still lands."""
    wh = variants
    early = _parts(wh, TEXT, 4, ["a"])
    late_table_writer = Committer(wh, "d", run_id=1)
    late_table_writer.add([_parts(wh, TEXT, 4, ["b"])])
    late_table_writer.close()  # creates the table
    after = _parts(wh, TEXT, 4, ["c"])  # the table exists now: an append fragment
    committer = Committer(wh, "d", run_id=2)
    committer.add([early, after])
    committer.close()
    assert Counter(_rows(wh, TEXT)) == Counter({"a": 1, "b": 1, "c": 1})


def test_migration_marks_rows_of_older_warehouses_done(wh):
    register_variant(wh, TEXT, 4)
    wh.vectors.append(TEXT.lance_table, "d", ["a", "it's", "a"], _vectors(3, 4))
    wh.vectors.append(TEXT.lance_table, "e", ["a"], _vectors(1, 4))
    root = wh.root
    wh.con.execute("DROP TABLE ingest_done")  # the catalog as vtr wrote it before version 10
    wh.con.execute("DELETE FROM schema_version WHERE version = 10")
    wh.close()
    with open_warehouse(root) as again:
        rows = again.con.execute(
            "SELECT dataset, variant_id, item_id, run_id FROM ingest_done ORDER BY ALL"
        ).fetchall()
        assert rows == [
            ("d", TEXT.id, "a", None),
            ("d", TEXT.id, "it's", None),
            ("e", TEXT.id, "a", None),
        ]
        assert reconcile(again, "d", [TEXT]) == {TEXT.id: {"a", "it's"}}
        assert sorted(_rows(again, TEXT)) == ["a", "it's"]  # the old duplicate is gone too
    con = duckdb.connect(str(root / "catalog.duckdb"))
    versions = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    assert 10 in versions and max(versions) == latest_version()
    con.close()


def test_fragments_of_another_dim_are_refused_before_any_table_commits(variants):
    wh = variants
    early = _parts(wh, TEXT, 5, ["a"])  # written before the table existed, at dim 5
    committer = Committer(wh, "d", run_id=1)
    committer.add([_parts(wh, TEXT, 4, ["b"])])
    committer.close()
    video = _parts(wh, VIDEO, 6, ["a"])
    committer = Committer(wh, "d", run_id=2)
    committer.add([video, early])
    with pytest.raises(EmbeddingError, match=r"disagree on the dim \(\[4, 5\]\)"):
        committer.close()
    assert not wh.vectors.has_table(VIDEO.lance_table)  # the other table was not touched
    assert _rows(wh, TEXT) == ["b"] and _marks(wh, TEXT) == {"b"}
