"""`vtr eval`, `vtr evals`, `vtr metrics retrieval`: thin wrappers over vtr.warehouse.evals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from vtr.cli.common import (
    DatasetOpt,
    IntoDatasetOpt,
    IntoNameOpt,
    JsonFlag,
    WarehouseArg,
    console,
    print_json,
    reports_errors,
)
from vtr.errors import EvalInputError
from vtr.registry import RERANKERS
from vtr.warehouse import open_warehouse
from vtr.warehouse.coverage import MISSING
from vtr.warehouse.evals import (
    list_evals,
    metrics_for_similarity,
    retrieval_metrics,
    run_eval,
)
from vtr.warehouse.metric_defs import metric, metric_names
from vtr.warehouse.search import PROTOCOLS, TIES, choices_help

metrics_app = typer.Typer(
    help=(
        "Metrics of results computed elsewhere, through the same SQL as `vtr eval`.\n\n"
        "Example: `vtr metrics retrieval sim.npy --json`"
    ),
    no_args_is_help=True,
)


def _ties_option() -> Any:
    return typer.Option(
        "pessimistic",
        "--ties",
        help=f"How a score tied with the ground truth's ranks: {choices_help(TIES)}",
    )


def _protocol_option() -> Any:
    return typer.Option("vtr", "--protocol", help=f"Metric conventions: {choices_help(PROTOCOLS)}")


RERANK_HELP = "; ".join(f"{e.name} ({e.help})" for e in RERANKERS.entries())


@reports_errors
def eval_command(
    warehouse: WarehouseArg,
    dataset: DatasetOpt,
    text_variant: str | None = typer.Option(
        None, "--text-variant", help="Text variant id, e.g. text/st:minilm/final/embed."
    ),
    video_variant: str | None = typer.Option(
        None,
        "--video-variant",
        help="Video variant id, e.g. video/open_clip:ViT-B-32:openai/final/embed/mean/8f.",
    ),
    split: str = typer.Option(
        "test", "--split", help="Split to evaluate ('all' = every video of the dataset)."
    ),
    k: int = typer.Option(10, "--k", min=1, help="Neighbours stored per query."),
    chunk: int = typer.Option(
        1024, "--chunk", min=1, help="Queries scored at a time (bounds memory)."
    ),
    rerank: str = typer.Option(
        "none",
        "--rerank",
        help="Inference-time re-ranking: " + RERANK_HELP + ".",
    ),
    temperature: float = typer.Option(
        0.01, "--temperature", help="dual-softmax: the prior is softmax(similarity / T)."
    ),
    beta: float = typer.Option(20.0, "--beta", help="qb-norm: inverse temperature."),
    bank_split: str = typer.Option(
        "train", "--bank-split", help="qb-norm: split whose captions/videos form the query bank."
    ),
    search: str = typer.Option(
        "auto",
        "--search",
        help="exact, ann (the variants' indexes, see `vtr index`; ranks past k stored as k+1) "
        "or auto (ann when both variants are indexed with >= 100k rows, else exact).",
    ),
    nprobes: int = typer.Option(20, "--nprobes", min=1, help="ann: IVF partitions searched."),
    refine_factor: int | None = typer.Option(
        None,
        "--refine-factor",
        min=0,
        help="ann: re-score k x this many candidates with the full vectors (0: off; "
        "default: off on IVF_FLAT indexes, whose distances are exact, 2 on IVF_HNSW_SQ/IVF_PQ).",
    ),
    sweep: bool = typer.Option(
        False,
        "--sweep",
        help="Evaluate every (text, video) variant pair of the same backbone, layer and dim "
        "that has no plain evaluation on this dataset and split yet (instead of one pair).",
    ),
    ties: str = _ties_option(),
    protocol: str = _protocol_option(),
    missing: str = typer.Option(
        "fail",
        "--missing",
        help="A listed video or caption without a vector: " + choices_help(MISSING),
    ),
    as_json: JsonFlag = False,
) -> None:
    """Text<->video search on a split; ranks and neighbours go to the catalog.

    Metrics (R@1/5/10, MedR, MeanR, MRR, mAP; CLIP4Clip protocol, several captions
    per video) are computed by SQL over the stored ranks. With --rerank the
    similarities are re-scored before ranking; `vtr evals` and the reports mark
    results that used statistics of the test queries.

    Examples:

        vtr eval wh/ --dataset msrvtt --text-variant text/st:minilm/final/embed
        --video-variant video/open_clip:ViT-B-32:openai/final/embed/mean/8f --json

        vtr eval wh/ ... --rerank qb-norm --bank-split train

        vtr eval wh/ --sweep --dataset synth --split test

        vtr eval wh/ ... --missing skip   # only 20 of 1,000 videos have vectors
    """
    if sweep:
        if (ties, protocol) != ("pessimistic", "vtr"):
            raise typer.BadParameter("--sweep evaluates with the default --ties and --protocol")
        _sweep(warehouse, dataset, split, k, chunk, as_json)
        return
    if not text_variant or not video_variant:
        raise typer.BadParameter("give --text-variant and --video-variant, or --sweep")
    from vtr.warehouse.ann import AnnParams, use_ann

    with open_warehouse(warehouse) as wh:
        ann = None
        if use_ann(wh, search, text_variant, video_variant):
            ann = AnnParams(nprobes=nprobes, refine_factor=refine_factor)
        eval_id = run_eval(
            wh,
            dataset,
            None if split == "all" else split,
            text_variant,
            video_variant,
            k=k,
            chunk=chunk,
            rerank=rerank,
            temperature=temperature,
            beta=beta,
            bank_split=bank_split,
            ann=ann,
            ties=ties,
            protocol=protocol,
            missing=missing,
        )
        metrics = retrieval_metrics(wh, eval_id)
        (coverage,) = wh.rows("evals/coverage", {"eval_id": eval_id})
    kind = f"ann (nprobes={ann.nprobes})" if ann else "exact"
    if as_json:
        setup = {"search": "ann" if ann else "exact", "search_kind": kind}
        setup |= {"ties": ties, "protocol": protocol, **coverage}
        print_json({"eval_id": eval_id, **setup, **metrics})
        return
    how = f"{kind} search{', ranks past k censored' if ann else ''}, ties {ties}, {protocol}"
    if coverage["coverage"] != "full":
        how += f"; evaluated {coverage['coverage']} listed"
    console.print(_metrics_table(metrics, f"eval {eval_id}: {dataset} / {split} ({how})"))
    console.print(f"stored as eval {eval_id}; `vtr report {warehouse} --eval {eval_id}`")


@reports_errors
def evals_command(
    warehouse: WarehouseArg,
    as_json: JsonFlag = False,
) -> None:
    """List the evaluations stored in a warehouse (id, setup, R@1 both ways).

    `--json` adds every retrieval metric both ways ("t2v_R@1", ..., "v2t_mAP"), as in the
    view retrieval_metrics_wide.

    Example: `vtr evals wh/`
    """
    with open_warehouse(warehouse, read_only=True) as wh:
        rows = list_evals(wh)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no evaluations yet; run `vtr eval`")
        return
    table = Table(title="evaluations")
    columns = ["eval_id", "dataset", "split", "text_variant", "video_variant", "search_kind"]
    columns += ["rerank", "ties", "protocol", "k"]
    columns += ["n_texts", "n_videos", "coverage", "t2v R@1", "v2t R@1", "created_at"]
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row[column]) for column in columns))
    console.print(table)


@metrics_app.command("retrieval")
@reports_errors
def retrieval_command(
    sim: Path = typer.Argument(..., help="Text x video similarity matrix (.npy, 2-D)."),
    gt: Path | None = typer.Option(
        None,
        "--gt",
        help="Video index of each text row (.npy, 1-D ints); default: diagonal (square matrix).",
    ),
    ties: str = _ties_option(),
    protocol: str = _protocol_option(),
    into: Path | None = typer.Option(
        None,
        "--into",
        help="Store the result in this warehouse as an evaluation of --dataset / --split "
        "named --name (reports and the leaderboard then show it beside vtr's own).",
    ),
    dataset: IntoDatasetOpt = None,
    split: str = typer.Option("test", "--split", help="With --into: the split, or all."),
    name: IntoNameOpt = None,
    text_ids: Path | None = typer.Option(
        None,
        "--text-ids",
        help="With --into: caption id of each row, one per line (default: the split's "
        "captions sorted by caption_id).",
    ),
    video_ids: Path | None = typer.Option(
        None,
        "--video-ids",
        help="With --into: video id of each column, one per line (default: the split's "
        "videos sorted by video_id).",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Retrieval metrics of a similarity matrix, used as is (no normalisation).

    Rows are texts, columns videos; several texts may share a video (pass --gt).
    With --into the matrix is another system's result on a dataset of a warehouse:
    it is stored as an evaluation (ground truth from the dataset) and shows up in
    `vtr evals`, `vtr report --compare` and the SQL views.

    Examples:

        vtr metrics retrieval sim.npy --json

        vtr metrics retrieval sim.npy --gt text_to_video.npy

        vtr metrics retrieval sim.npy --into wh/ --dataset msrvtt --split test
        --name "CLIP4Clip meanP" --text-ids rows.txt --video-ids columns.txt
    """
    matrix = _load_npy(sim, "similarity matrix")
    if into is not None:
        if gt is not None:
            raise typer.BadParameter("--gt and --into: with --into the dataset gives the truth")
        if dataset is None or name is None:
            raise typer.BadParameter("--into needs --dataset and --name")
        eval_id, metrics = _store_external(
            into, matrix, dataset, split, name, text_ids, video_ids, ties, protocol, sim
        )
        if as_json:
            print_json({"eval_id": eval_id, "label": name, **metrics})
            return
        console.print(_metrics_table(metrics, f"eval {eval_id}: {name} on {dataset} / {split}"))
        console.print(f"stored as eval {eval_id}; `vtr report {into} --compare`")
        return
    if any(v is not None for v in (dataset, name, text_ids, video_ids)):
        raise typer.BadParameter("--dataset, --name, --text-ids and --video-ids need --into")
    truth = None if gt is None else _load_npy(gt, "ground truth")
    metrics = metrics_for_similarity(matrix, truth, ties=ties, protocol=protocol)
    if as_json:
        print_json(metrics)
        return
    console.print(_metrics_table(metrics, f"retrieval metrics of {sim.name}"))


def _store_external(
    into, matrix, dataset, split, name, text_ids, video_ids, ties, protocol, sim
) -> tuple[int, dict]:
    from vtr.warehouse.external import read_ids, store_external_eval

    rows = None if text_ids is None else read_ids(text_ids, "--text-ids")
    columns = None if video_ids is None else read_ids(video_ids, "--video-ids")
    with open_warehouse(into) as wh:
        eval_id = store_external_eval(
            wh, matrix, dataset, None if split == "all" else split, name, rows, columns,
            ties=ties, protocol=protocol, source=str(sim.resolve()),
        )  # fmt: skip
        return eval_id, retrieval_metrics(wh, eval_id)


def _sweep(warehouse: Path, dataset: str, split: str, k: int, chunk: int, as_json: bool) -> None:
    from vtr.warehouse.sweep import run_sweep

    with open_warehouse(warehouse) as wh:
        result = run_sweep(wh, dataset, None if split == "all" else split, k=k, chunk=chunk)
    if as_json:
        print_json({"evaluated": result.evaluated, "already_done": result.already_done})
        return
    for row in result.evaluated:
        console.print(
            f"eval {row['eval_id']}: {row['text_variant']} x {row['video_variant']}",
            highlight=False,
        )
    console.print(
        f"{len(result.evaluated)} pair(s) evaluated, {result.already_done} already done; "
        f"`vtr report {warehouse} --sweep`",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `eval`, `evals` and the `metrics` group to the vtr app."""
    app.command("eval")(eval_command)
    app.command("evals")(evals_command)
    app.add_typer(metrics_app, name="metrics")


def _load_npy(path: Path, what: str) -> np.ndarray:
    if not path.is_file():
        raise EvalInputError(f"{what} file {path} does not exist")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        cause = str(err) or type(err).__name__
        raise EvalInputError(f"{what} file {path} is not a readable .npy array: {cause}") from None


def _metrics_table(metrics: dict[str, dict[str, float]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("direction")
    for key in metric_names():
        table.add_column(key, justify="right")
    for direction, values in metrics.items():
        table.add_row(direction.upper(), *(_fmt(key, values[key]) for key in metric_names()))
    return table


def _fmt(key: str, value: float) -> str:
    return metric(key).format(value)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
