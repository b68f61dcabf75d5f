"""JSON Lines files: one JSON object per line, every problem named by file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vtr.errors import AnnotationError


def read_jsonl(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) of every non-empty line; AnnotationError on a bad file or line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise AnnotationError(
            f"cannot read {path}: {getattr(err, 'strerror', None) or err}"
        ) from None
    items = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise AnnotationError(f"{path}:{line_no}: not valid JSON ({err.msg})") from None
        if not isinstance(item, dict):
            raise AnnotationError(f"{path}:{line_no}: expected a JSON object per line")
        items.append((line_no, item))
    if not items:
        raise AnnotationError(f"{path} holds no JSONL rows")
    return items
