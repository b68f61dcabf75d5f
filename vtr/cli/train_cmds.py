"""`vtr train`: a thin wrapper over vtr.models.train.train.

Its options are the fields of `TrainConfig` (vtr/models/train_config.py), each declared
once there with its flag and help; `--head` and `--loss` list the registered kinds.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperCommand

from vtr.cli.common import console, reports_errors
from vtr.models.train_config import TrainConfig

CLI_TYPES = {"Path": Path}


class RegistryHelpCommand(TyperCommand):
    """Fills `{heads}` / `{losses}` in option help from the registries when --help is shown
    (loading the heads and losses imports torch, which a plain `vtr` call must not)."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from vtr.registry import HEADS, LOSSES

        for param in self.params:
            if param.help and "{" in param.help:
                param.help = param.help.format(heads=HEADS.choices(), losses=LOSSES.choices())
        return super().format_help(ctx, formatter)


def _config_options() -> list[inspect.Parameter]:
    """One typer option per TrainConfig field that declares a flag."""
    params = []
    for spec in fields(TrainConfig):
        meta = spec.metadata
        if not meta.get("flag"):
            continue
        kind, default, _ = meta["cli"] or (type(spec.default), spec.default, None)
        if default is MISSING:  # a required option
            kind, default = str, ...
        info = typer.Option(default, meta["flag"], help=meta["help"], **meta["click"])
        annotation = CLI_TYPES.get(kind, kind)
        params.append(
            inspect.Parameter(
                spec.name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation
            )  # fmt: skip
        )
    return params


def config_from_options(options: dict[str, Any]) -> TrainConfig:
    """The TrainConfig of parsed CLI values (each field through its parser, if any)."""
    values = {}
    for spec in fields(TrainConfig):
        if spec.name in options:
            parse = (spec.metadata.get("cli") or (None, None, None))[2]
            value = options[spec.name]
            values[spec.name] = parse(value) if parse else value
    return TrainConfig(**values)


def train_command(warehouse: Path, as_json: bool, **options: Any) -> None:
    """Train an alignment head on the pair views; write its embeddings back as variants.

    Records a `train` run (config, metrics per epoch, checkpoint), writes every caption
    and video through the best checkpoint as new variants (`...+head:RUN`), evaluates
    their test split, and prints a JSON line naming the new variant ids last.

    Example:

        vtr train wh/ --dataset synth --text-variant text/st:minilm/final/embed
        --video-variant video/open_clip:vtr-tiny-vit:random/final/embed/mean/8f
        --head proj --loss infonce

    Several GPUs: `--devices 4 --strategy ddp` (one machine), or torchrun / SLURM with
    `--num-nodes M` and the same `--out` on shared storage for every rank (README).
    """
    from vtr.models.distributed import process_rank
    from vtr.models.train import train, train_other_rank
    from vtr.warehouse import open_warehouse

    config = config_from_options(options)
    if process_rank() > 0:  # rank 0 alone opens the catalog
        train_other_rank(config)
        return
    with open_warehouse(warehouse) as wh:
        result = train(wh, config)
    before, after = result.untrained["t2v"], result.trained["t2v"]
    if not as_json:
        console.print(
            f"run {result.run_id}: test T2V R@1 {before['R@1']:.2f} untrained -> "
            f"{after['R@1']:.2f} trained (eval {result.test_eval}); best val R@1 "
            f"{result.best_val_r1:.2f}; checkpoint {result.checkpoint}",
            highlight=False,
        )
    summary = {
        "run_id": result.run_id,
        "text_variant": result.text_variant,
        "video_variant": result.video_variant,
        "test_eval": result.test_eval,
        "checkpoint": result.checkpoint,
    }
    typer.echo(json.dumps(summary))


def _signature() -> inspect.Signature:
    own = [
        inspect.Parameter(
            "warehouse", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Path,
            default=typer.Argument(..., help="Warehouse directory (made by `vtr init`)."),
        ),
        inspect.Parameter(
            "as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
            default=typer.Option(
                False, "--json", help="Print only the JSON summary (it is always the last line)."
            ),
        ),
    ]  # fmt: skip
    return inspect.Signature([own[0], *_config_options(), own[1]])


train_command.__signature__ = _signature()  # type: ignore[attr-defined]
train_command.__annotations__ = {
    name: param.annotation for name, param in train_command.__signature__.parameters.items()
}
train_command = reports_errors(train_command)


def register(app: typer.Typer) -> None:
    """Add `train retrieval` (also reached as plain `vtr train WAREHOUSE ...`)."""
    from vtr.cli.groups import train_app

    train_app.command("retrieval", cls=RegistryHelpCommand)(train_command)
