"""Embedding files in, as ordinary variants: the format registry.

Each format is a `FormatSpec` (name, description, reader, file suffixes) registered in
`vtr.registry.IMPORTERS` (here `FORMATS`); `vtr import --help` and the README's table are
generated from it. Import itself is `vtr.ingest.importers.run`,
export `vtr.ingest.importers.export`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vtr.errors import ImportInputError
from vtr.ingest.importers import readers
from vtr.ingest.importers.readers import Chunk, ReadOptions
from vtr.registry import IMPORTERS


@dataclass(frozen=True)
class FormatSpec:
    name: str
    description: str
    reader: Callable[[list[Path], ReadOptions], Iterator[Chunk]]
    exportable: bool = False
    suffixes: tuple[str, ...] = ()  # the file suffixes `--format auto` knows it by


FORMATS = IMPORTERS


def register_format(spec: FormatSpec) -> FormatSpec:
    return IMPORTERS.register(spec.name, help=spec.description, exportable=spec.exportable)(spec)


register_format(FormatSpec(
    "npy",
    "one <id>.npy per item: shape (D,) one vector, (T, D) a frame/clip sequence",
    readers.read_items((".npy",)), exportable=True, suffixes=(".npy",),
))  # fmt: skip
register_format(FormatSpec(
    "npz",
    "one <id>.npz per item; the array named by --key (default: its only array)",
    readers.read_items((".npz",)), exportable=True, suffixes=(".npz",),
))  # fmt: skip
register_format(FormatSpec(
    "pt",
    "one <id>.pt/.pth per item (a tensor, or a dict and --key); needs --allow-pickle",
    readers.read_items((".pt", ".pth")), suffixes=(".pt", ".pth"),
))  # fmt: skip
register_format(FormatSpec(
    "parquet",
    "parquet file(s): --id-column and --vector-column (list or fixed-size list)",
    readers.read_parquet, exportable=True, suffixes=(".parquet",),
))  # fmt: skip
register_format(FormatSpec(
    "arrow", "Arrow IPC file(s) (.arrow/.feather/.ipc), columns as for parquet",
    readers.read_arrow, suffixes=(".arrow", ".feather", ".ipc"),
))  # fmt: skip
register_format(FormatSpec(
    "lance", "a Lance dataset folder, columns as for parquet", readers.read_lance,
))  # fmt: skip
register_format(FormatSpec(
    "clip-retrieval",
    "clip-retrieval output folder: img_emb/ (video) or text_emb/ (text) *.npy, row-aligned "
    "with metadata/*.parquet",
    readers.read_clip_retrieval,
))  # fmt: skip


def detect_format(source: Path) -> str:
    """The format of `source` from its layout or extension ('auto')."""
    if source.is_dir():
        if (source / "img_emb").is_dir() or (source / "text_emb").is_dir():
            return "clip-retrieval"
        if (source / "_versions").is_dir() or source.suffix == ".lance":
            return "lance"
        suffixes = {p.suffix.lower() for p in source.iterdir() if p.is_file()}
    else:
        suffixes = {source.suffix.lower()}
    by_suffix = {suffix: e.name for e in IMPORTERS.entries() for suffix in e.obj.suffixes}
    found = {by_suffix[s] for s in suffixes if s in by_suffix}
    if len(found) != 1:
        what = ", ".join(sorted(found)) if found else "no known embedding files"
        raise ImportInputError(f"{source}: cannot tell the format ({what}); give --format")
    return found.pop()


def get_format(name: str, sources: list[Path] | None = None) -> FormatSpec:
    if name == "auto":
        if not sources:
            raise ImportInputError("--format auto needs a source to look at")
        name = detect_format(sources[0])
    if name not in IMPORTERS:
        known = ", ".join(IMPORTERS.names())
        raise ImportInputError(f"unknown format {name!r}; known: auto, {known}")
    return IMPORTERS.get(name)


def formats_help(exportable: bool = False) -> str:
    """One line per format, for --help and the README."""
    specs = [e.obj for e in IMPORTERS.entries() if e.obj.exportable or not exportable]
    return "\n\n".join(f"{spec.name}: {spec.description}" for spec in specs)
