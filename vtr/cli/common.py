"""Shared CLI plumbing: error translation, console, JSON output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from vtr.errors import IngestInterrupted, VtrError

console = Console(stderr=True)
INTERRUPTED = IngestInterrupted.exit_code  # 130, as a shell reports a Ctrl-C
F = TypeVar("F", bound=Callable[..., Any])


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
