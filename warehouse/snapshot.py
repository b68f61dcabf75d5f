"""A consistent copy of the catalog, for readers that stay open (the `vtr shell`).

While this process has the catalog open read-only, DuckDB lets no other process write
it, so a copy made meanwhile is one committed state. The copy then serves a whole
interactive session with no lock on the catalog itself.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from vtr.warehouse.catalog import CATALOG_FILE, Warehouse


def snapshot_catalog(wh: Warehouse, folder: Path) -> tuple[str, datetime]:
    """Copy `wh`'s catalog (and a write-ahead log left behind) into `folder` while holding
    it open; return the copy's path and when it was taken."""
    with wh.session():
        taken = datetime.now()
        target = Path(folder) / CATALOG_FILE
        shutil.copyfile(wh.catalog_path, target)
        wal = wh.catalog_path.with_name(f"{CATALOG_FILE}.wal")
        if wal.is_file():
            shutil.copyfile(wal, target.with_name(f"{CATALOG_FILE}.wal"))
    return str(target), taken
