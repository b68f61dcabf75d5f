"""Embedding variants: canonical, parseable ids and their catalog rows.

A variant id reads `MODALITY/BACKBONE/LAYER/POOLING[/TEMPORAL/FRAMESf]`, e.g.
`video/open_clip:ViT-B-32:laion2b_s34b_b79k/final/embed/mean/8f` or
`text/st:minilm/final/embed`. The backbone spec may itself contain `/` (a local
path); the fixed number of trailing fields per modality keeps the id parseable.

Embeddings written by a trained alignment head are variants too: their backbone is the
source backbone with a `+head:RUN_ID` suffix (`text/st:minilm+head:7/final/embed`), so
the id still parses and `Variant.head_run` names the training run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from vtr.errors import UnknownVariant

if TYPE_CHECKING:
    from vtr.warehouse.catalog import Warehouse

MODALITIES = ("text", "video")
_TRAILING = {"text": 2, "video": 4}
HEAD_MARK = "+head:"
_HEAD_SUFFIX = re.compile(re.escape(HEAD_MARK) + r"(\d+)$")


@dataclass(frozen=True)
class Variant:
    modality: str
    backbone: str
    layer: str = "final"
    pooling: str = "embed"
    temporal: str | None = None
    frames: int | None = None

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise UnknownVariant(f"modality must be one of {MODALITIES}, not {self.modality!r}")
        if self.modality == "video" and (self.temporal is None or self.frames is None):
            raise UnknownVariant("a video variant needs a temporal pooling and a frame count")

    @property
    def family(self) -> str:
        return self.backbone.split(":", 1)[0]

    @property
    def head_run(self) -> int | None:
        """The training run whose head wrote this variant (None for an ingested one)."""
        match = _HEAD_SUFFIX.search(self.backbone)
        return int(match.group(1)) if match else None

    def trained_by(self, run_id: int) -> Variant:
        """The variant that a head trained in run `run_id` writes from this one."""
        return replace(self, backbone=f"{self.backbone}{HEAD_MARK}{int(run_id)}")

    @property
    def id(self) -> str:
        parts = [self.modality, self.backbone, self.layer, self.pooling]
        if self.modality == "video":
            parts += [str(self.temporal), f"{self.frames}f"]
        return "/".join(parts)

    @property
    def lance_table(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", self.id).strip("_")[:80]
        digest = hashlib.sha1(self.id.encode()).hexdigest()[:8]
        return f"{slug}_{digest}"

    def config(self) -> dict[str, Any]:
        return {**asdict(self), "family": self.family, "id": self.id, "head_run": self.head_run}

    @classmethod
    def parse(cls, variant_id: str) -> Variant:
        parts = variant_id.split("/")
        modality = parts[0]
        if modality not in MODALITIES:
            raise UnknownVariant(
                f"variant id {variant_id!r} must start with one of {MODALITIES} followed by '/'"
            )
        trailing = _TRAILING[modality]
        if len(parts) < 2 + trailing:
            raise UnknownVariant(
                f"variant id {variant_id!r} has too few fields; a {modality} id reads "
                + (
                    "video/BACKBONE/LAYER/POOLING/TEMPORAL/Nf"
                    if modality == "video"
                    else "text/BACKBONE/LAYER/POOLING"
                )
            )
        backbone = "/".join(parts[1 : len(parts) - trailing])
        tail = parts[len(parts) - trailing :]
        if modality == "text":
            return cls("text", backbone, layer=tail[0], pooling=tail[1])
        frames = tail[3]
        if not re.fullmatch(r"\d+f", frames):
            raise UnknownVariant(
                f"variant id {variant_id!r}: frame field {frames!r} is not like 8f"
            )
        return cls("video", backbone, tail[0], tail[1], temporal=tail[2], frames=int(frames[:-1]))


def register_variant(
    wh: Warehouse, variant: Variant, dim: int, extra: dict[str, Any] | None = None
) -> None:
    """Record the variant's catalog row (once; a second call leaves it as it is)."""
    config = {**variant.config(), "dim": dim, **(extra or {})}
    wh.sql(
        "variants/insert",
        {
            "variant_id": variant.id,
            "modality": variant.modality,
            "family": variant.family,
            "backbone": variant.backbone,
            "layer": variant.layer,
            "pooling": variant.pooling,
            "temporal": variant.temporal,
            "frames": variant.frames,
            "dim": dim,
            "lance_table": variant.lance_table,
            "config": json.dumps(config),
        },
    )


def get_variant(wh: Warehouse, variant_id: str) -> dict[str, Any]:
    """The catalog row of a variant; a clear error listing the known ids if absent."""
    rows = wh.rows("variants/get", {"variant_id": variant_id})
    if not rows:
        known = [row["variant_id"] for row in list_variants(wh)]
        hint = "\n  ".join(known) if known else "(none yet: run `vtr ingest`)"
        raise UnknownVariant(f"no variant {variant_id!r} in this warehouse; known:\n  {hint}")
    return rows[0]


def list_variants(wh: Warehouse, modality: str | None = None) -> list[dict[str, Any]]:
    return wh.rows("variants/list", {"modality": modality})


def sequence_length(row: dict[str, Any]) -> int | None:
    """Frames per row of a `seq` variant (its table stores T * dim floats), else None."""
    config = row.get("config")
    if isinstance(config, str):
        config = json.loads(config)
    value = (config or {}).get("seq_len")
    return int(value) if value is not None else None
