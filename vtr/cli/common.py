"""Shared CLI plumbing: error translation, console, JSON output, and the arguments and
options many commands take, each declared once here (`warehouse: WarehouseArg`,
`as_json: JsonFlag = False`, `fps: FpsOpt = 2`: the default stays with the command)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from vtr.errors import IngestInterrupted, VtrError

console = Console(stderr=True)
INTERRUPTED = IngestInterrupted.exit_code  # 130, as a shell reports a Ctrl-C
F = TypeVar("F", bound=Callable[..., Any])

WarehouseArg = Annotated[
    Path,
    typer.Argument(
        help="Warehouse directory: catalog.duckdb and lance/ (made by `vtr init`).",
        show_default=False,
    ),
]
JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON on stdout instead of text.")
]
DatasetOpt = Annotated[
    str, typer.Option("--dataset", help="Dataset name in the catalog (as registered).")
]
IntoDatasetOpt = Annotated[str | None, typer.Option("--dataset", help="With --into: the dataset.")]
IntoNameOpt = Annotated[
    str | None,
    typer.Option("--name", help="With --into: the label reports show, e.g. 'CLIP4Clip'."),
]
PredictionsOutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the predictions JSONL here.")
]
# a synthetic corpus: where it goes, and how it is drawn
CorpusDirArg = Annotated[
    Path, typer.Argument(metavar="DIR", help="Folder to write the corpus into.", show_default=False)
]
FilesSeedOpt = Annotated[
    int, typer.Option("--seed", help="Seed: the same seed gives identical files.")
]
FpsOpt = Annotated[int, typer.Option("--fps", min=1, help="Frames per second.")]
SizeOpt = Annotated[int, typer.Option("--size", min=16, help="Frame side in pixels (even).")]


def reports_errors(fn: F) -> F:
    """Turn vtr's named exceptions into a one-line message and the error's exit code, and
    Ctrl-C into `interrupted` and exit code 130, without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except VtrError as err:
            message = escape(str(err))  # ids and hints may hold [brackets]
            console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:  # Ctrl-C outside a step that reports its own interruption
            console.print("[bold red]interrupted[/]", highlight=False)
            raise typer.Exit(INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """Print JSON to stdout (the machine-readable channel; progress goes to stderr)."""
    typer.echo(json.dumps(data, indent=2, default=str))
