"""`vtr fuse`: a fusion variant from stored variants (thin wrapper over vtr.ingest.fusion)."""

from __future__ import annotations

import typer

from vtr.cli.common import DatasetOpt, JsonFlag, WarehouseArg, console, print_json, reports_errors
from vtr.errors import EvalInputError


@reports_errors
def fuse(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    variants: list[str] = typer.Option(
        ..., "--variant", help="A variant to fuse; repeat (at least two, one modality)."
    ),
    name: str = typer.Option(
        ..., "--name", help="Name of the fusion: its id is MODALITY/fuse:NAME/..."
    ),
    mode: str = typer.Option(
        "sum",
        "--mode",
        help="sum: L2-normalised inputs, weighted and summed (one dim); concat: weighted "
        "and concatenated (dims add up).",
    ),
    weights: str = typer.Option(
        None, "--weights", help="One weight per --variant, comma-separated (default: equal)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Write a fusion variant from stored variants of the same items, with no decoding.

    The fused variant is an ordinary variant: `vtr eval` it like any other. It covers
    the items present in every input; a rerun adds only the items it lacks.

    Example:

      vtr fuse wh/ --dataset msrvtt --variant video/A/final/embed/mean/8f
        --variant video/B/final/embed/mean/8f --weights 0.7,0.3 --mode concat --name a+b
    """
    from vtr.ingest.fusion import fuse_variants
    from vtr.warehouse import open_warehouse

    try:
        parsed = None if weights is None else [float(w) for w in weights.split(",")]
    except ValueError:
        raise EvalInputError(f"--weights {weights!r}: give numbers, e.g. 0.7,0.3") from None
    with open_warehouse(warehouse) as wh:
        result = fuse_variants(wh, dataset, list(variants), name, mode, parsed)
    if as_json:
        print_json(result.as_dict())
        return
    console.print(
        f"{result.variant_id}: {result.written} items written, "
        f"{result.already_present} already there (run {result.run_id})",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(fuse)
