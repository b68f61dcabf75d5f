"""`vtr import`: embedding files become an ordinary variant, all of it or nothing.

Rows are checked (one dim, finite, known and unique ids) and written as uncommitted
Lance fragments while the files are read; only when every file passed does one commit
append them and mark the items done (`vtr.ingest.commit`). A failed import leaves
unreferenced data files only, which nobody sees (`vtr maintenance` removes them).
Items the variant already holds are skipped: re-running an import is a no-op, and new
files add only their items.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vtr.errors import ImportInputError
from vtr.ingest.commit import Committer, reconcile, write_fragments
from vtr.ingest.importers import get_format
from vtr.ingest.importers.ids import IdResolver
from vtr.ingest.importers.readers import Chunk, ReadOptions
from vtr.ingest.pooling import TEMPORAL_POOLINGS
from vtr.warehouse.runs import run_lifecycle
from vtr.warehouse.variants import Variant, get_variant, register_variant, sequence_length

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

WRITE_ROWS = 16384  # rows per uncommitted fragment
SHOWN = 5  # ids named in an error


@dataclass
class ImportResult:
    variant_id: str
    run_id: int
    written: int = 0
    already_present: int = 0
    skipped_extra: int = 0
    files: int = 0
    content_hash: str = ""
    extra_examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_backbone(sources: list[Path]) -> str:
    stem = Path(sources[0]).resolve().name.split(".")[0] or "files"
    return "import:" + re.sub(r"[^A-Za-z0-9._-]+", "-", stem)


def import_variant_id(
    modality: str, backbone: str, layer: str, pooling: str, temporal: str, frames: int | None
) -> Variant:
    backbone = backbone if backbone.startswith("import:") else f"import:{backbone}"
    if modality == "text":
        return Variant("text", backbone, layer, pooling)
    return Variant("video", backbone, layer, pooling, temporal=temporal, frames=frames)


def _pool(arrays: np.ndarray, temporal: str) -> np.ndarray:
    if arrays.ndim == 2:
        return arrays
    if temporal == "mean":
        return arrays.mean(axis=1)
    if temporal == "max":
        return arrays.max(axis=1)
    if temporal == "first":
        return arrays[:, 0]
    if temporal == "sum":
        return arrays.sum(axis=1)
    return arrays.reshape(len(arrays), -1)  # seq: flattened, as ingest stores it


class _Import:
    """The state of one import: the variant (fixed by the first chunk), checks, buffer."""

    def __init__(self, wh, dataset, modality, temporal, frames, names, resolver, allow_extra):
        self.wh, self.dataset, self.modality = wh, dataset, modality
        self.temporal, self.frames, self.names = temporal, frames, names
        self.resolver, self.allow_extra = resolver, allow_extra
        self.variant: Variant | None = None
        self.dim = self.seq_len = None
        self.first = ""  # the file that fixed the dim
        self.seen: dict[str, str] = {}  # item id -> file
        self.extra: list[str] = []
        self.done: set[str] = set()
        self.ids: list[str] = []
        self.rows: list[np.ndarray] = []
        self.parts = []
        self.present = 0
        self.origins: dict[str, None] = {}

    def start(self, chunk: Chunk) -> None:
        shape = chunk.arrays.shape
        steps = shape[1] if chunk.arrays.ndim == 3 else 1
        frames = self.frames if self.frames is not None else steps
        self.variant = import_variant_id(self.modality, *self.names, self.temporal, frames)
        self.dim, self.first = shape[-1], chunk.origin
        self.seq_len = steps if self.temporal == "seq" and self.modality == "video" else None
        self.frames_given = self.frames is not None
        self.frames = frames
        existing = self.wh.rows("variants/get", {"variant_id": self.variant.id})
        if existing:
            row = existing[0]
            if row["dim"] != self.dim or sequence_length(row) != self.seq_len:
                raise ImportInputError(
                    f"{chunk.origin}: variant {self.variant.id} holds dim {row['dim']}"
                    f" (sequence length {sequence_length(row)}), these files dim {self.dim}"
                    f" (sequence length {self.seq_len}); import into another variant"
                )
            self.done = reconcile(self.wh, self.dataset, [self.variant])[self.variant.id]

    def add(self, chunk: Chunk) -> None:
        self.origins[chunk.origin] = None
        arrays = np.asarray(chunk.arrays, dtype=np.float32)
        if self.modality == "text" and arrays.ndim == 3:
            if arrays.shape[1] != 1:
                raise ImportInputError(
                    f"{chunk.origin}: a text item must be one vector, not a sequence of "
                    f"{arrays.shape[1]} (shape {arrays.shape[1:]}); pool the tokens first"
                )
            arrays = arrays[:, 0]
        if self.variant is None:
            self.start(Chunk(chunk.ids, arrays, chunk.origin))
        if arrays.shape[-1] != self.dim:
            raise ImportInputError(
                f"{chunk.origin}: dim {arrays.shape[-1]}, but {self.first} has dim {self.dim}; "
                "every file of one import must have the same dim"
            )
        steps = arrays.shape[1] if arrays.ndim == 3 else 1
        if steps != self.frames and (self.seq_len is not None or not self.frames_given):
            what = "--temporal seq needs equal lengths" if self.seq_len else "give --frames N"
            raise ImportInputError(
                f"{chunk.origin}: a sequence of {steps}, but {self.first} has {self.frames}; "
                f"{what} (the frame count in the variant id)"
            )
        bad = np.flatnonzero(~np.isfinite(arrays.reshape(len(arrays), -1)).all(axis=1))
        if len(bad):
            raise ImportInputError(
                f"{chunk.origin}: {len(bad)} vector(s) hold NaN or Inf, e.g. item "
                f"{chunk.ids[bad[0]]!r}; nothing was imported"
            )
        rows = _pool(arrays, self.temporal)
        keep = []
        for i, raw in enumerate(chunk.ids):
            item = self.resolver(raw)
            if item is None:
                self.extra.append(raw)
                continue
            if item in self.seen:
                raise ImportInputError(
                    f"{chunk.origin}: item {item!r} (as {raw!r}) is also in {self.seen[item]}; "
                    "each item may be imported once; nothing was imported"
                )
            self.seen[item] = chunk.origin
            if item in self.done:
                self.present += 1
            else:
                keep.append(i)
                self.ids.append(item)
        if keep:
            self.rows.append(rows[keep] if len(keep) < len(rows) else rows)
        if len(self.ids) >= WRITE_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.ids:
            return
        matrix = np.concatenate(self.rows) if len(self.rows) > 1 else self.rows[0]
        self.parts.append(
            write_fragments(
                self.wh.lance_path,
                self.variant.lance_table,
                self.dataset,
                self.ids,
                matrix,
                self.variant.id,
            )  # fmt: skip
        )
        self.ids, self.rows = [], []


def import_embeddings(
    wh: Warehouse,
    dataset: str,
    modality: str,
    sources: list[Path],
    format: str = "auto",
    backbone: str | None = None,
    layer: str = "final",
    pooling: str = "embed",
    temporal: str = "mean",
    frames: int | None = None,
    naming: str = "auto",
    allow_extra: bool = False,
    key: str | None = None,
    allow_pickle: bool = False,
    id_column: str | None = None,
    vector_column: str | None = None,
) -> ImportResult:
    """Import embedding files of `dataset` as one variant; see the module doc."""
    from vtr.ingest.datasets import get_dataset

    get_dataset(wh, dataset)
    if modality not in ("text", "video"):
        raise ImportInputError(f"--modality must be video or text, not {modality!r}")
    if temporal not in TEMPORAL_POOLINGS:
        raise ImportInputError(f"unknown --temporal {temporal!r}; choose from {TEMPORAL_POOLINGS}")
    sources = [Path(s).expanduser().resolve() for s in sources]
    if not sources:
        raise ImportInputError("give at least one SOURCE file or folder")
    spec = get_format(format, sources)
    options = ReadOptions(key, allow_pickle, id_column, vector_column, modality)
    names = (backbone or default_backbone(sources), layer, pooling)
    state = _Import(
        wh, dataset, modality, temporal, frames, names,
        IdResolver(wh, dataset, modality, naming), allow_extra,
    )  # fmt: skip
    config = {"dataset": dataset, "modality": modality, "format": spec.name, "naming": naming,
              "sources": [str(s) for s in sources], "temporal": temporal}  # fmt: skip
    for chunk in spec.reader(sources, options):
        state.add(chunk)
    if state.variant is None:
        raise ImportInputError(f"no embeddings in {', '.join(map(str, sources))}")
    if state.extra and not allow_extra:
        shown = ", ".join(repr(i) for i in state.extra[:SHOWN])
        raise ImportInputError(
            f"{len(state.extra)} id(s) are not {modality} items of dataset {dataset!r}, e.g. "
            f"{shown}; pass --allow-extra to skip them; nothing was imported"
        )
    state.flush()
    with run_lifecycle(wh, "import", config) as run:
        result = ImportResult(
            state.variant.id, run.id, already_present=state.present,
            skipped_extra=len(state.extra), files=len(state.origins),
            content_hash=content_hash(list(state.origins)), extra_examples=state.extra[:SHOWN],
        )  # fmt: skip
        run.summary = result.as_dict()
        if state.parts:
            _commit(wh, dataset, state, spec.name, sources, result)
        run.summary = result.as_dict()
    return result


def _commit(
    wh: Warehouse, dataset: str, state: _Import, format: str, sources, result: ImportResult
) -> None:
    variant = state.variant
    provenance = {
        "source": [str(s) for s in sources],
        "format": format,
        "files": result.files,
        "content_hash": result.content_hash,
        "temporal_pooling": f"{variant.temporal} over the file's rows at import"
        if variant.modality == "video" else None,
    }  # fmt: skip
    extra = {**provenance, **({"seq_len": state.seq_len} if state.seq_len else {})}
    register_variant(wh, variant, int(state.dim), {"imported": True, **extra})
    committer = Committer(wh, dataset, result.run_id, every=sys.maxsize)
    committer.add(state.parts)
    committer.commit()
    result.written = committer.committed[variant.id]
    row = get_variant(wh, variant.id)
    config = json.loads(row["config"]) if isinstance(row["config"], str) else row["config"]
    history = config.get("imports", [])
    history.append({**provenance, "run_id": result.run_id, "items": result.written})
    config.update({**provenance, "imports": history})
    wh.sql("variants/update_config", {"variant_id": variant.id, "config": json.dumps(config)})


def content_hash(files: list[str]) -> str:
    """sha256 over each file's name and bytes, in the order read."""
    digest = hashlib.sha256()
    for name in files:
        path = Path(name)
        targets = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for target in targets:
            digest.update(target.name.encode() + b"\0")
            with open(target, "rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(block)
    return "sha256:" + digest.hexdigest()
