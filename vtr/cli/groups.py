"""Command groups shared by several command modules: `vtr train` and `vtr predict`."""

from __future__ import annotations

import click
import typer
from typer.core import TyperGroup


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it names no subcommand, goes to a default one:
    `vtr train WAREHOUSE ...` is `vtr train retrieval WAREHOUSE ...`."""

    default_command = "retrieval"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


train_app = typer.Typer(
    cls=DefaultCommandGroup,
    help=(
        "Train on warehouse embeddings. `vtr train WAREHOUSE ...` (= `vtr train retrieval "
        "WAREHOUSE ...`) trains a text-video alignment head; `vtr train moments` and "
        "`vtr train steps` train the moment and step-grounding models."
    ),
    no_args_is_help=True,
)
predict_app = typer.Typer(
    help="Predictions of a stored model or zero-shot (moments, steps).", no_args_is_help=True
)
