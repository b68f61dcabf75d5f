"""`vtr train`: a thin wrapper over vtr.models.train.train."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from vtr.cli.common import console, reports_errors


@reports_errors
def train_command(
    warehouse: Path = typer.Argument(..., help="Warehouse directory (made by `vtr init`)."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset name in the catalog."),
    text_variant: str = typer.Option(..., "--text-variant", help="Text variant id to align."),
    video_variant: str = typer.Option(
        ..., "--video-variant", help="Video variant id (a .../seq/Nf variant for sequences)."
    ),
    head: str = typer.Option("proj", "--head", help="mlp, transformer or proj."),
    tower: str = typer.Option(
        None, "--tower", help="text, video or both (default: video for transformer, else text)."
    ),
    loss: str = typer.Option("infonce", "--loss", help="infonce, infonce-hard, mse or margin."),
    dim: int = typer.Option(None, "--dim", help="Shared space dim (default: the video dim)."),
    widths: str = typer.Option(
        "512", "--widths", help="Hidden widths, comma-separated (transformer: its width)."
    ),
    dropout: float = typer.Option(
        0.1, "--dropout", min=0.0, max=1.0, help="mlp/transformer dropout."
    ),
    layers: int = typer.Option(2, "--layers", help="Transformer layers."),
    heads: int = typer.Option(4, "--heads", help="Transformer attention heads."),
    temperature: float = typer.Option(0.07, "--temperature", help="InfoNCE temperature."),
    learnable_temperature: bool = typer.Option(
        False, "--learnable-temperature", help="Train the InfoNCE temperature (CLIP-style)."
    ),
    margin: float = typer.Option(0.2, "--margin", help="Margin of the margin loss."),
    negatives: int = typer.Option(4, "--negatives", help="Sampled negatives per positive."),
    hard_k: int = typer.Option(8, "--hard-k", help="Hard negatives per query (infonce-hard)."),
    mine_text_variant: str = typer.Option(
        None,
        "--mine-text-variant",
        help="infonce-hard: text variant that mines (default: --text-variant).",
    ),
    mine_video_variant: str = typer.Option(
        None,
        "--mine-video-variant",
        help="infonce-hard: video variant that mines (default: --video-variant).",
    ),
    batch_size: int = typer.Option(128, "--batch-size", min=1, help="Pairs per step."),
    epochs: int = typer.Option(30, "--epochs", min=1, help="Training epochs (at most)."),
    lr: float = typer.Option(1e-3, "--lr", min=0.0, help="AdamW learning rate."),
    weight_decay: float = typer.Option(0.01, "--weight-decay", min=0.0, help="AdamW weight decay."),
    schedule: str = typer.Option("cosine", "--schedule", help="cosine, plateau or none."),
    warmup_steps: int = typer.Option(
        20, "--warmup-steps", min=0, help="Linear warm-up steps before the schedule."
    ),
    grad_clip: float = typer.Option(1.0, "--grad-clip", help="0 = no clipping."),
    precision: str = typer.Option("32-true", "--precision", help="e.g. 32-true, bf16-mixed."),
    patience: int = typer.Option(5, "--patience", help="Early stopping on val R@1 (epochs)."),
    seed: int = typer.Option(0, "--seed", help="Seed of initialisation, sampling and order."),
    accelerator: str = typer.Option(
        "auto", "--accelerator", help="Lightning accelerator: auto, cpu, gpu."
    ),
    devices: str = typer.Option("auto", "--devices", help="Lightning devices, e.g. 2 or 0,1."),
    num_nodes: int = typer.Option(1, "--num-nodes", help="Machines of a torchrun/SLURM launch."),
    strategy: str = typer.Option("auto", "--strategy", help="Lightning strategy: ddp, fsdp, ..."),
    workers: int = typer.Option(0, "--workers", help="DataLoader workers (spawned)."),
    out: Path = typer.Option(
        None,
        "--out",
        help="Logs + checkpoints (default: WAREHOUSE/training/run-ID).",
    ),
    progress: bool = typer.Option(False, "--progress", help="Show Lightning's progress bar."),
    as_json: bool = typer.Option(
        False, "--json", help="Print only the JSON summary (it is always the last line)."
    ),
) -> None:
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
    from vtr.models.train import TrainConfig, train, train_other_rank
    from vtr.warehouse import open_warehouse

    config = TrainConfig(
        dataset=dataset,
        text_variant=text_variant,
        video_variant=video_variant,
        head=head,
        tower=tower,
        dim=dim,
        widths=tuple(int(w) for w in widths.split(",") if w.strip()),
        dropout=dropout,
        layers=layers,
        heads=heads,
        loss=loss,
        temperature=temperature,
        learnable_temperature=learnable_temperature,
        margin=margin,
        negatives=negatives,
        hard_k=hard_k,
        mine_text_variant=mine_text_variant,
        mine_video_variant=mine_video_variant,
        batch_size=batch_size,
        epochs=epochs,
        lr=lr,
        weight_decay=weight_decay,
        schedule=schedule,
        warmup_steps=warmup_steps,
        grad_clip=grad_clip,
        precision=precision,
        patience=patience,
        seed=seed,
        accelerator=accelerator,
        devices=int(devices) if devices.isdigit() else devices,
        num_nodes=num_nodes,
        strategy=strategy,
        workers=workers,
        out_dir=str(out) if out else None,
        show_progress=progress,
    )
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


def register(app: typer.Typer) -> None:
    """Add `train retrieval` (also reached as plain `vtr train WAREHOUSE ...`)."""
    from vtr.cli.groups import train_app

    train_app.command("retrieval")(train_command)
