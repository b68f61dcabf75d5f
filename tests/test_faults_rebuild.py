"""Rebuilding a variant's index while another process appends to its table.

Both go through: the append commits its rows, the rebuild commits an index over the rows
of the version it started from (rows committed later are searched by a flat scan until
the next rebuild). A reader pinned to a version keeps that snapshot throughout. Between
two vtr commands the catalog decides first: `vtr index` and `vtr ingest` both open it
read-write, so the second waits until the first closes it (tests/test_catalog_busy.py).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import lance
import numpy as np
import pytest

from vtr.warehouse import init_warehouse
from vtr.warehouse.ann import build_index
from vtr.warehouse.variants import Variant, register_variant

pytestmark = pytest.mark.faults
VIDEO = Variant("video", "faults:rebuild", temporal="mean", frames=1)
APPENDER = """
import sys, numpy as np
from vtr.warehouse.vectors import VectorStore
store = VectorStore(sys.argv[1])
for b in range(int(sys.argv[2])):
    ids = [f"late-{b}-{i}" for i in range(10)]
    store.append(sys.argv[3], "d", ids, np.random.default_rng(b).normal(size=(10, 8)))
"""


def test_index_rebuilds_during_appends_lose_nothing_and_pinned_readers_keep_their_rows(
    tmp_path,
):
    rng = np.random.default_rng(0)
    with init_warehouse(tmp_path / "wh") as wh:
        register_variant(wh, VIDEO, 8)
        first = [f"v{i}" for i in range(600)]
        wh.vectors.append(VIDEO.lance_table, "d", first, rng.normal(size=(600, 8)))
        uri = str(wh.vectors.table_path(VIDEO.lance_table))
        pinned = lance.dataset(uri)
        before = sorted(pinned.to_table(columns=["item_id"])["item_id"].to_pylist())

        appender = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(APPENDER), str(wh.vectors.path), "30",
             VIDEO.lance_table],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        rebuilds = 0
        while appender.poll() is None or rebuilds < 2:
            build_index(wh, VIDEO.id, index_type="IVF_PQ", num_partitions=4)
            rebuilds += 1
        _, err = appender.communicate(timeout=120)
        assert appender.returncode == 0, err

        latest = lance.dataset(uri)
        ids = latest.to_table(columns=["item_id"])["item_id"].to_pylist()
        assert len(ids) == len(set(ids)) == 600 + 30 * 10
        assert set(first) <= set(ids)
        assert latest.describe_indices(), "the last rebuild left an index"
        still = sorted(pinned.to_table(columns=["item_id"])["item_id"].to_pylist())
        assert still == before and len(still) == 600
        again = lance.dataset(uri, version=pinned.version)
        assert again.count_rows() == 600
