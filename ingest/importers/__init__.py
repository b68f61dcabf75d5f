"""Embedding files in, as ordinary variants: the format registry.

Each format is a `FormatSpec` (name, description, reader); `vtr import --help` and the
README's table are generated from `FORMATS`. Import itself is `vtr.ingest.importers.run`,
export `vtr.ingest.importers.export`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vtr.errors import ImportInputError
from vtr.ingest.importers import readers
from vtr.ingest.importers.readers import Chunk, ReadOptions


@dataclass(frozen=True)
class FormatSpec:
    name: str
    description: str
    reader: Callable[[list[Path], ReadOptions], Iterator[Chunk]]
    exportable: bool = False


FORMATS: dict[str, FormatSpec] = {}


def register_format(spec: FormatSpec) -> FormatSpec:
    FORMATS[spec.name] = spec
    return spec


register_format(FormatSpec(
    "npy",
    "one <id>.npy per item: shape (D,) one vector, (T, D) a frame/clip sequence",
    readers.read_items((".npy",)), exportable=True,
))  # fmt: skip
register_format(FormatSpec(
    "npz",
    "one <id>.npz per item; the array named by --key (default: its only array)",
    readers.read_items((".npz",)), exportable=True,
))  # fmt: skip
register_format(FormatSpec(
    "pt",
    "one <id>.pt/.pth per item (a tensor, or a dict and --key); needs --allow-pickle",
    readers.read_items((".pt", ".pth")),
))  # fmt: skip
register_format(FormatSpec(
    "parquet",
    "parquet file(s): --id-column and --vector-column (list or fixed-size list)",
    readers.read_parquet, exportable=True,
))  # fmt: skip
register_format(FormatSpec(
    "arrow", "Arrow IPC file(s) (.arrow/.feather/.ipc), columns as for parquet",
    readers.read_arrow,
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
    by_suffix = {".npy": "npy", ".npz": "npz", ".pt": "pt", ".pth": "pt", ".parquet": "parquet",
                 ".arrow": "arrow", ".feather": "arrow", ".ipc": "arrow"}  # fmt: skip
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
    if name not in FORMATS:
        raise ImportInputError(f"unknown format {name!r}; known: auto, {', '.join(FORMATS)}")
    return FORMATS[name]


def formats_help(exportable: bool = False) -> str:
    """One line per format, for --help and the README."""
    specs = [s for s in FORMATS.values() if s.exportable or not exportable]
    return "\n\n".join(f"{spec.name}: {spec.description}" for spec in specs)
