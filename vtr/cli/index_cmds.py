"""`vtr index`: build the ANN index of a variant (a thin wrapper over vtr.warehouse.ann)."""

from __future__ import annotations

import json

import typer

from vtr.cli.common import JsonFlag, WarehouseArg, console, print_json, reports_errors
from vtr.warehouse import open_warehouse


@reports_errors
def index_command(
    warehouse: WarehouseArg,
    variant: str = typer.Option(..., "--variant", help="Variant id whose table gets an index."),
    index_type: str = typer.Option(
        "IVF_FLAT",
        "--type",
        help="IVF_FLAT (default: exact distances in the probed partitions, fastest queries, "
        "stores a copy of the vectors), IVF_HNSW_SQ or IVF_PQ (quantised, smaller; "
        "queried with a refine pass).",
    ),
    partitions: int | None = typer.Option(
        None,
        "--partitions",
        min=1,
        help="IVF partitions (default: sqrt of the row count); the variant needs at least "
        "256 rows and 2 rows per partition.",
    ),
    sub_vectors: int | None = typer.Option(
        None, "--sub-vectors", min=1, help="IVF_PQ: sub-vectors (default: dim / 8)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Build (or rebuild) the cosine ANN index of a variant's LanceDB table.

    `vtr eval --search ann` (or `auto`, from 100k rows on) then answers from the
    indexes of both variants. Build one per variant: text and video. Each build is an
    `index` run in `vtr runs` (`failed`, with its error, when it does not finish).

    Example: `vtr index wh/ --variant video/open_clip:ViT-B-32:openai/final/embed/mean/8f`
    """
    from vtr.warehouse.ann import build_index

    with open_warehouse(warehouse) as wh:
        row = build_index(wh, variant, index_type, partitions, sub_vectors)
    row["params"] = json.loads(row["params"])
    if as_json:
        print_json(row)
        return
    console.print(
        f"{row['index_type']} index on {row['n_rows']} rows of {variant} "
        f"({row['params']['num_partitions']} partitions, "
        f"{row['params']['build_seconds']:.1f} s)",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("index")(index_command)
