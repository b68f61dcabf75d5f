"""Readers of embedding files: each yields `Chunk`s of (raw ids, arrays, the file they came from).

A per-item reader yields one chunk per file (its stem is the id, its array 1-D for one
vector or 2-D for a frame/clip sequence); a table reader yields row batches (an (n, D)
matrix, or (n, T, D) when the table says its rows are flattened sequences).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from vtr.errors import ImportInputError

TABLE_BATCH = 65536
SEQ_LEN_KEY = b"vtr.seq_len"  # schema metadata of a flattened sequence table (see export)
ID_CANDIDATES = ("id", "item_id", "video_id", "caption_id", "key", "image_path")


@dataclass
class ReadOptions:
    key: str | None = None  # npz key / dict key of a .pt
    allow_pickle: bool = False
    id_column: str | None = None
    vector_column: str | None = None
    modality: str = "video"


@dataclass
class Chunk:
    ids: list[str]
    arrays: np.ndarray  # (n, D), or (n, T, D) sequences; per-item: (1, D) or (1, T, D)
    origin: str  # the file, for error messages


def item_files(sources: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    """The files of `sources` (files, or folders searched one level) with a suffix, sorted."""
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files += [p for p in source.iterdir() if p.is_file() and p.suffix.lower() in suffixes]
        elif source.is_file():
            files.append(source)
        else:
            raise ImportInputError(f"{source}: no such file or folder")
    if not files:
        wanted = ", ".join(suffixes)
        raise ImportInputError(f"no {wanted} files in {', '.join(map(str, sources))}")
    return sorted(files)


def _as_item(path: Path, array: object) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fiu":
        kind = getattr(array, "dtype", type(array).__name__)
        raise ImportInputError(f"{path}: holds {kind}, not a numeric array")
    if array.ndim == 1:
        return array[None, :]
    if array.ndim == 2:
        return array[None, :, :]
    raise ImportInputError(
        f"{path}: array of shape {array.shape}; expected (D,) for one vector or (T, D) "
        "for a frame/clip sequence"
    )


def load_npy(path: Path, options: ReadOptions) -> np.ndarray:
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as err:
        raise ImportInputError(f"{path}: cannot be read ({err.strerror or err})") from None
    if magic != b"\x93NUMPY":  # np.load would take any other file for a pickle
        raise ImportInputError(f"{path}: not a readable .npy file (no .npy header)")
    try:
        array = np.load(path, allow_pickle=options.allow_pickle)
    except ValueError as err:
        if "pickle" in str(err):
            raise ImportInputError(
                f"{path}: holds pickled Python objects, refused (pass --allow-pickle to load "
                "it anyway: unpickling can run code)"
            ) from None
        raise ImportInputError(f"{path}: not a readable .npy file ({err})") from None
    except (OSError, EOFError) as err:
        raise ImportInputError(f"{path}: not a readable .npy file ({err})") from None
    return _as_item(path, array)


def load_npz(path: Path, options: ReadOptions) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=options.allow_pickle) as data:
            keys = list(data.keys())
            key = options.key or (keys[0] if len(keys) == 1 else None)
            if key is None:
                raise ImportInputError(
                    f"{path}: holds several arrays ({', '.join(keys)}); name one with --key"
                )
            if key not in keys:
                raise ImportInputError(
                    f"{path}: no array {key!r} (--key); it holds: {', '.join(keys) or 'none'}"
                )
            array = data[key]
    except ValueError as err:
        if "pickle" in str(err):
            raise ImportInputError(
                f"{path}: array {options.key!r} is pickled Python objects, refused "
                "(pass --allow-pickle to load it anyway)"
            ) from None
        raise ImportInputError(f"{path}: not a readable .npz file ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise ImportInputError(f"{path}: not a readable .npz file ({err})") from None
    return _as_item(path, array)


def load_pt(path: Path, options: ReadOptions) -> np.ndarray:
    if not options.allow_pickle:
        raise ImportInputError(
            f"{path}: .pt/.pth files are Python pickles, refused; pass --allow-pickle if you "
            "trust the file (unpickling can run code), or save it as .npy"
        )
    import torch

    try:
        value = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - any unpickling failure is an unreadable file
        raise ImportInputError(f"{path}: not a readable torch file ({err})") from None
    if isinstance(value, dict):
        key = options.key or (next(iter(value)) if len(value) == 1 else None)
        if key not in value:
            found = ", ".join(map(str, value)) or "none"
            raise ImportInputError(f"{path}: no entry {key!r} (--key); it holds: {found}")
        value = value[key]
    if isinstance(value, torch.Tensor):
        value = value.detach().float().numpy()
    return _as_item(path, value)


PER_ITEM_LOADERS = {".npy": load_npy, ".npz": load_npz, ".pt": load_pt, ".pth": load_pt}


def read_items(suffixes: tuple[str, ...]):
    def reader(sources: list[Path], options: ReadOptions) -> Iterator[Chunk]:
        for path in item_files(sources, suffixes):
            loader = PER_ITEM_LOADERS.get(path.suffix.lower())
            if loader is None:
                raise ImportInputError(f"{path}: not one of {', '.join(suffixes)}")
            yield Chunk([path.stem], loader(path, options), str(path))

    return reader


# ---------------------------------------------------------------- tables


def _columns(schema: pa.Schema, origin: str, options: ReadOptions) -> tuple[str, str]:
    names = schema.names
    id_column = options.id_column or next((c for c in ID_CANDIDATES if c in names), None)
    lists = [f.name for f in schema if _is_list(f.type)]
    vector_column = options.vector_column or (lists[0] if len(lists) == 1 else None)
    if id_column not in names:
        raise ImportInputError(
            f"{origin}: no id column {id_column!r}; give --id-column (columns: {names})"
        )
    if vector_column not in names:
        raise ImportInputError(
            f"{origin}: cannot tell the vector column; give --vector-column (columns: {names})"
        )
    return id_column, vector_column


def _is_list(kind: pa.DataType) -> bool:
    return any(
        check(kind)
        for check in (pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list)
    )


def matrix(column: pa.Array | pa.ChunkedArray, ids: list[str], origin: str) -> np.ndarray:
    """A list or fixed-size-list column of equal-length numeric rows as an (n, D) array."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not _is_list(column.type):
        raise ImportInputError(f"{origin}: vector column has type {column.type}, not a list")
    if column.null_count:
        first = ids[column.is_null().to_numpy(zero_copy_only=False).argmax()]
        raise ImportInputError(
            f"{origin}: {column.null_count} row(s) without a vector, e.g. {first!r}"
        )
    if pa.types.is_fixed_size_list(column.type):
        values, dim = column.flatten(), column.type.list_size
    else:
        lengths = np.asarray(column.value_lengths())
        dim = int(lengths[0]) if len(lengths) else 0
        if len(lengths) and (lengths != dim).any():
            bad = int(np.flatnonzero(lengths != dim)[0])
            raise ImportInputError(
                f"{origin}: vectors of different dims ({dim} for {ids[0]!r}, "
                f"{int(lengths[bad])} for {ids[bad]!r})"
            )
        values = column.flatten()
    if not pa.types.is_floating(values.type) and not pa.types.is_integer(values.type):
        raise ImportInputError(f"{origin}: vector values are {values.type}, not numbers")
    return values.to_numpy(zero_copy_only=False).reshape(len(column), dim)


def _table_chunks(
    batches: Iterator[pa.RecordBatch], schema: pa.Schema, origin: str, options: ReadOptions
) -> Iterator[Chunk]:
    id_column, vector_column = _columns(schema, origin, options)
    seq_len = (schema.metadata or {}).get(SEQ_LEN_KEY)
    for batch in batches:
        ids = [str(v) for v in batch.column(id_column).to_pylist()]
        rows = matrix(batch.column(vector_column), ids, origin)
        if seq_len is not None:
            rows = rows.reshape(len(ids), int(seq_len), -1)
        yield Chunk(ids, rows, origin)


def read_parquet(sources: list[Path], options: ReadOptions) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    for path in item_files(sources, (".parquet",)):
        try:
            handle = pq.ParquetFile(path)
        except (OSError, pa.ArrowInvalid) as err:
            raise ImportInputError(f"{path}: not a readable parquet file ({err})") from None
        schema = handle.schema_arrow
        id_column, vector_column = _columns(schema, str(path), options)
        batches = handle.iter_batches(TABLE_BATCH, columns=[id_column, vector_column])
        yield from _table_chunks(batches, schema, str(path), options)


def read_arrow(sources: list[Path], options: ReadOptions) -> Iterator[Chunk]:
    import pyarrow.ipc as ipc

    for path in item_files(sources, (".arrow", ".feather", ".ipc")):
        try:
            table = ipc.open_file(pa.memory_map(str(path))).read_all()
        except (OSError, pa.ArrowInvalid):
            try:
                table = ipc.open_stream(pa.memory_map(str(path))).read_all()
            except (OSError, pa.ArrowInvalid) as err:
                raise ImportInputError(f"{path}: not a readable Arrow IPC file ({err})") from None
        yield from _table_chunks(
            iter(table.to_batches(TABLE_BATCH)), table.schema, str(path), options
        )


def read_lance(sources: list[Path], options: ReadOptions) -> Iterator[Chunk]:
    import lance

    for path in sources:
        try:
            dataset = lance.dataset(str(path))
        except (OSError, ValueError) as err:
            raise ImportInputError(f"{path}: not a readable Lance dataset ({err})") from None
        id_column, vector_column = _columns(dataset.schema, str(path), options)
        batches = dataset.to_batches(columns=[id_column, vector_column], batch_size=TABLE_BATCH)
        yield from _table_chunks(batches, dataset.schema, str(path), options)


def read_clip_retrieval(sources: list[Path], options: ReadOptions) -> Iterator[Chunk]:
    """clip-retrieval output: `img_emb/img_emb_N.npy` (video) or `text_emb/text_emb_N.npy`
    (text), row-aligned with `metadata/metadata_N.parquet`; ids from its id column
    (`image_path` values become their file stem)."""
    import pyarrow.parquet as pq

    part = "img_emb" if options.modality == "video" else "text_emb"
    for root in sources:
        embeddings = sorted((root / part).glob(f"{part}_*.npy"))
        if not embeddings:
            raise ImportInputError(f"{root}: no {part}/{part}_*.npy (a clip-retrieval folder?)")
        for emb in embeddings:
            number = emb.stem.rsplit("_", 1)[1]
            meta = root / "metadata" / f"metadata_{number}.parquet"
            if not meta.is_file():
                raise ImportInputError(f"{emb}: no row-aligned metadata file {meta}")
            try:
                table = pq.read_table(meta)
            except (OSError, pa.ArrowInvalid) as err:
                raise ImportInputError(f"{meta}: not a readable parquet file ({err})") from None
            id_column = options.id_column or next(
                (c for c in ID_CANDIDATES if c in table.column_names), None
            )
            if id_column not in table.column_names:
                raise ImportInputError(
                    f"{meta}: no id column {id_column!r}; give --id-column "
                    f"(columns: {table.column_names})"
                )
            values = [str(v) for v in table.column(id_column).to_pylist()]
            ids = [Path(v).stem for v in values] if id_column == "image_path" else values
            rows = load_npy(emb, options)[0]
            if rows.ndim != 2 or len(rows) != len(ids):
                raise ImportInputError(
                    f"{emb}: {rows.shape[0] if rows.ndim == 2 else 1} rows but {meta} has "
                    f"{len(ids)}; they must be row-aligned"
                )
            yield Chunk(ids, rows, str(emb))
