"""Reading back what an ingest left: every variant table's rows and the catalog's done marks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vtr.warehouse import open_warehouse
from vtr.warehouse.variants import list_variants


def variant_rows(root: Path, dataset: str) -> dict[str, tuple[list[str], np.ndarray]]:
    """Per variant id: (item ids, vectors) of `dataset`, every stored row (duplicates too)."""
    with open_warehouse(root, read_only=True) as wh:
        return {
            row["variant_id"]: wh.vectors.read(row["lance_table"], dataset)
            for row in list_variants(wh)
            if wh.vectors.has_table(row["lance_table"])
        }


def done_marks(root: Path, dataset: str) -> dict[str, set[str]]:
    with open_warehouse(root, read_only=True) as wh:
        rows = wh.con.execute(
            "SELECT variant_id, item_id FROM ingest_done WHERE dataset = ?", [dataset]
        ).fetchall()
    marks: dict[str, set[str]] = {}
    for variant_id, item_id in rows:
        marks.setdefault(variant_id, set()).add(item_id)
    return marks


def by_id(ids: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    order = np.argsort(ids, kind="stable")
    return [ids[i] for i in order], vectors[order]
