"""`TrainConfig`: every option of a training run, declared once.

Each field's metadata carries its CLI flag and help (and, where the command line spells it
differently, the CLI type, default and parser); `vtr train` builds its options from it.
Importable without torch: the CLI reads it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field
from typing import Any


def option(
    default: Any = MISSING,
    flag: str = "",
    help: str = "",
    *,
    cli: tuple[type, Any, Callable[[Any], Any]] | None = None,
    **click: Any,
) -> Any:
    """A dataclass field that is also a `vtr train` option. `cli` = (CLI type, CLI default,
    parser to the field's value) when the command line spells the value differently;
    `click` holds extra typer.Option arguments (min, max)."""
    meta = {"flag": flag, "help": help, "cli": cli, "click": click}
    return field(default=default, metadata=meta)


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(w) for w in text.split(",") if w.strip())


def _devices(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def _optional_str(value: Any) -> str | None:
    return str(value) if value else None


@dataclass
class TrainConfig:
    """Everything one training run needs; stored as the run's config."""

    dataset: str = option(flag="--dataset", help="Dataset name in the catalog.")
    text_variant: str = option(flag="--text-variant", help="Text variant id to align.")
    video_variant: str = option(
        flag="--video-variant", help="Video variant id (a .../seq/Nf variant for sequences)."
    )
    head: str = option("proj", "--head", "Alignment head: {heads}.")
    tower: str | None = option(
        None,
        "--tower",
        "text, video or both (default: video for a sequence head such as transformer, else text).",
        cli=(str, None, lambda v: v),
    )
    dim: int | None = option(
        None, "--dim", "Shared space dim (default: the video dim).", cli=(int, None, lambda v: v)
    )
    widths: tuple[int, ...] = option(
        (512,),
        "--widths",
        "Hidden widths, comma-separated (transformer: its width).",
        cli=(str, "512", _widths),
    )
    dropout: float = option(0.1, "--dropout", "mlp/transformer dropout.", min=0.0, max=1.0)
    layers: int = option(2, "--layers", "Transformer layers.")
    heads: int = option(4, "--heads", "Transformer attention heads.")
    loss: str = option("infonce", "--loss", "Loss: {losses}.")
    temperature: float = option(0.07, "--temperature", "InfoNCE temperature.")
    learnable_temperature: bool = option(
        False, "--learnable-temperature", "Train the InfoNCE temperature (CLIP-style)."
    )
    margin: float = option(0.2, "--margin", "Margin of the margin loss.")
    negatives: int = option(4, "--negatives", "Sampled negatives per positive.")
    hard_k: int = option(8, "--hard-k", "Hard negatives per query (infonce-hard).")
    mine_text_variant: str | None = option(
        None,
        "--mine-text-variant",
        "infonce-hard: text variant that mines (default: --text-variant).",
        cli=(str, None, lambda v: v),
    )
    mine_video_variant: str | None = option(
        None,
        "--mine-video-variant",
        "infonce-hard: video variant that mines (default: --video-variant).",
        cli=(str, None, lambda v: v),
    )
    batch_size: int = option(128, "--batch-size", "Pairs per step.", min=1)
    epochs: int = option(30, "--epochs", "Training epochs (at most).", min=1)
    lr: float = option(1e-3, "--lr", "AdamW learning rate.", min=0.0)
    weight_decay: float = option(0.01, "--weight-decay", "AdamW weight decay.", min=0.0)
    schedule: str = option("cosine", "--schedule", "cosine, plateau or none.")
    warmup_steps: int = option(
        20, "--warmup-steps", "Linear warm-up steps before the schedule.", min=0
    )
    grad_clip: float = option(1.0, "--grad-clip", "0 = no clipping.")
    precision: str = option("32-true", "--precision", "e.g. 32-true, bf16-mixed.")
    patience: int = option(5, "--patience", "Early stopping on val R@1 (epochs).")
    seed: int = option(0, "--seed", "Seed of initialisation, sampling and order.")
    accelerator: str = option("auto", "--accelerator", "Lightning accelerator: auto, cpu, gpu.")
    devices: str | int = option(
        "auto", "--devices", "Lightning devices, e.g. 2 or 0,1.", cli=(str, "auto", _devices)
    )
    num_nodes: int = option(1, "--num-nodes", "Machines of a torchrun/SLURM launch.")
    strategy: str = option("auto", "--strategy", "Lightning strategy: ddp, fsdp, ...")
    workers: int = option(0, "--workers", "DataLoader workers (spawned).")
    out_dir: str | None = option(
        None,
        "--out",
        "Logs + checkpoints (default: WAREHOUSE/training/run-ID).",
        cli=("Path", None, _optional_str),
    )
    show_progress: bool = option(False, "--progress", "Show Lightning's progress bar.")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def head_tower(self) -> str:
        """The tower the head trains: `tower`, else video for a sequence head, else text."""
        from vtr.registry import HEADS

        sequence = self.head in HEADS and HEADS.entry(self.head).meta.get("sequence")
        return self.tower or ("video" if sequence else "text")
