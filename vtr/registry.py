"""Self-registering extension points: backbone families, heads, losses, dataset formats,
embedding importers and re-rankers.

Each kind is one `Registry`. An item registers itself with a decorator in its own file::

    @BACKBONES.register("siglip", help="SigLIP image/text towers", towers=("video", "text"))
    def load(rest, device, seed): ...

Built-in items live in the modules (or packages, `pkg.*` = every module in it) the registry
names; third-party ones in the modules of the `vtr.<kind>` entry-point group. Both are
imported by the same `load_module`, lazily, on the first lookup. `python -m vtr.registry`
rewrites the README/docs tables between `<!-- registry:KIND -->` markers.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from vtr.errors import UnknownItem


@dataclass(frozen=True)
class Entry:
    name: str
    obj: Any
    help: str
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return {"name": self.name, "help": self.help, **self.meta}[key]


def load_module(target: str) -> None:
    """Import `target` (`pkg.mod`, `pkg.mod:attr`, or `pkg.*` for each module of `pkg`)."""
    if target.endswith(".*"):
        package = importlib.import_module(target[:-2])
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{info.name}")
        return
    importlib.import_module(target.partition(":")[0])


class Registry:
    """Named items of one kind with their metadata, filled by `register` decorators."""

    def __init__(self, kind: str, builtins: Iterable[str], what: str | None = None) -> None:
        self.kind = kind
        self.what = what or kind.rstrip("s")
        self.builtins = tuple(builtins)
        self._entries: dict[str, Entry] = {}
        self._loaded = False

    def register(self, name: str, *, help: str, **meta: Any) -> Callable[[Any], Any]:
        """Decorator: record `obj` under `name` and return it unchanged."""

        def decorate(obj: Any) -> Any:
            known = self._entries.get(name)
            if known is not None and known.obj is not obj:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            self._entries[name] = Entry(name, obj, help, meta)
            return obj

        return decorate

    def load(self) -> None:
        """Import the built-in modules, then the `vtr.<kind>` entry points (once)."""
        if self._loaded:
            return
        self._loaded = True
        targets = [*self.builtins, *(ep.value for ep in entry_points(group=f"vtr.{self.kind}"))]
        for target in targets:
            load_module(target)

    def entries(self) -> list[Entry]:
        """Every entry, by name (registration order depends on what was imported first)."""
        self.load()
        return sorted(self._entries.values(), key=lambda entry: entry.name)

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries()]

    def entry(self, name: str) -> Entry:
        self.load()
        if name not in self._entries:
            known = ", ".join(self.names()) or "none"
            raise UnknownItem(f"unknown {self.what} {name!r}; known: {known}")
        return self._entries[name]

    def get(self, name: str) -> Any:
        """The registered object; UnknownItem naming `name` and the known ones otherwise."""
        return self.entry(name).obj

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._entries

    def __iter__(self):
        return iter(self.names())

    def choices(self) -> str:
        """`a, b or c`: the names for a --help line."""
        names = self.names()
        return " or ".join(filter(None, [", ".join(names[:-1]), names[-1] if names else ""]))

    def markdown_table(self, columns: dict[str, Callable[[Entry], str] | str]) -> str:
        """A Markdown table, one row per entry; a column is a meta key or a function."""
        rows = [
            [col(entry) if callable(col) else _cell(entry[col]) for col in columns.values()]
            for entry in self.entries()
        ]
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _cell(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        value = ", ".join(map(str, value))
    return str(value).replace("|", "\\|").replace("<", "\\<")


# ------------------------------------------------------------------ the extension points

BACKBONES = Registry("backbones", ["vtr.ingest.backbones.families.*"], "backbone family")
HEADS = Registry("heads", ["vtr.models.heads.*"])
LOSSES = Registry("losses", ["vtr.models.losses"])
FORMATS = Registry("formats", ["vtr.ingest.formats.*"], "annotation format")
IMPORTERS = Registry("importers", ["vtr.ingest.importers"], "import format")
RERANKERS = Registry("rerankers", ["vtr.warehouse.rerank"], "re-ranker")

# ------------------------------------------------------------------ generated docs

BLOCK = re.compile(r"(<!-- registry:([\w-]+) -->\n)(.*?)(<!-- /registry:\2 -->)", re.S)


def render_blocks(text: str, tables: dict[str, Callable[[], str]]) -> str:
    """`text` with every `<!-- registry:KIND -->` block holding the registry's table."""

    def fill(match: re.Match[str]) -> str:
        kind = match.group(2)
        if kind not in tables:
            raise UnknownItem(f"unknown registry block {kind!r}; known: {', '.join(tables)}")
        return f"{match.group(1)}{tables[kind]()}\n{match.group(4)}"

    return BLOCK.sub(fill, text)


def doc_files(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def main() -> None:
    """Rewrite the registry blocks of README.md and docs/*.md in place."""
    from vtr.registry_docs import TABLES

    root = Path(__file__).resolve().parent.parent
    for path in doc_files(root):
        if path.is_file():
            text = path.read_text()
            new = render_blocks(text, TABLES)
            if new != text:
                path.write_text(new)
                print(f"rewrote {path.relative_to(root)}")


if __name__ == "__main__":
    main()
