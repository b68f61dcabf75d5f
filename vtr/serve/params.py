"""Query-string parameters: each parsed into its type and range, or a 400 that names it.

Nothing from the request reaches SQL text or a file path: values are bound as parameters
of named SQL files, and files are found through the catalog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from vtr.errors import VtrError


class BadParameter(VtrError):
    """A query-string value of the wrong type, out of range or not one of its choices."""


MAX_TEXT = 500  # characters of a free-text query


def integer(
    params: Mapping[str, str], name: str, default: int | None, lo: int = 0, hi: int = 10**9
) -> int | None:
    """`name` as an integer in [lo, hi]; `default` when absent or empty."""
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"parameter {name!r} must be an integer, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise BadParameter(f"parameter {name!r} must lie in [{lo}, {hi}], not {value}")
    return value


def number(params: Mapping[str, str], name: str) -> float | None:
    """`name` as a finite non-negative number; None when absent or empty."""
    raw = params.get(name, "")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"parameter {name!r} must be a number, not {raw[:40]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise BadParameter(f"parameter {name!r} must be a finite number >= 0, not {raw[:40]!r}")
    return value


def choice(params: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """`name` as one of `choices`; the first one when absent or empty."""
    raw = params.get(name, "") or choices[0]
    if raw not in choices:
        raise BadParameter(
            f"parameter {name!r} must be one of {', '.join(choices)}, not {raw[:40]!r}"
        )
    return raw


def text(params: Mapping[str, str], name: str, limit: int = MAX_TEXT) -> str:
    """`name` as text of at most `limit` characters ('' when absent)."""
    raw = params.get(name, "")
    if len(raw) > limit:
        raise BadParameter(f"parameter {name!r} is longer than {limit} characters")
    if "\x00" in raw:
        raise BadParameter(f"parameter {name!r} holds a NUL character")
    return raw
