"""Backbone spec forms and their checks, importable without torch or the model libraries.

A bad spec (an unknown family, a missing part, a family without the asked-for tower)
fails here, in well under a second, before anything heavy is imported. The families are
the entries of `vtr.registry.BACKBONES` (one module each in `backbones/families/`).
"""

from __future__ import annotations

from typing import Any

from vtr.errors import BackboneError
from vtr.registry import BACKBONES, Entry


def list_backbone_families() -> dict[str, dict[str, Any]]:
    """The spec forms vtr understands, with their towers and an example each."""
    return {
        entry.name: {
            "spec": entry.meta["spec"],
            "towers": ", ".join(entry.meta["towers"]),
            "example": entry.meta["example"],
            "help": entry.help,
        }
        for entry in BACKBONES.entries()
    }


def split_spec(spec: str) -> tuple[str, str]:
    """`FAMILY:REST` -> (family, rest); BackboneError naming the known forms otherwise."""
    family, _, rest = spec.partition(":") if isinstance(spec, str) else ("", "", "")
    if family not in BACKBONES or not rest:
        forms = "; ".join(f"{entry.name}: {entry.meta['spec']}" for entry in BACKBONES.entries())
        raise BackboneError(f"cannot read backbone spec {spec!r}; known forms: {forms}")
    return family, rest


def family_entry(spec: str, tower: str) -> tuple[Entry, str]:
    """The registry entry of a spec's family, checked to have `tower`, and the spec's rest."""
    family, rest = split_spec(spec)
    entry = BACKBONES.entry(family)
    if tower not in entry.meta["towers"]:
        raise BackboneError(f"backbone family {family!r} has no {tower} tower (spec {spec!r})")
    check = entry.meta.get("check")
    if check is not None:
        check(rest)
    return entry, rest


def check_spec(spec: str, tower: str) -> tuple[str, str]:
    """Check a spec's form and that its family has the `tower` ("video" or "text");
    returns (family, rest). Nothing is loaded."""
    entry, rest = family_entry(spec, tower)
    return entry.name, rest
