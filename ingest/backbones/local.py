"""Model folders on this machine: a path, or a hub name already in the local HF cache."""

from __future__ import annotations

from pathlib import Path

from vtr.errors import BackboneError


def local_model_dir(name: str, family: str, alternative: str = "") -> Path:
    """The folder of `name`; never downloads. BackboneError says how to provide it."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    if path.is_absolute() or name.startswith("."):
        raise BackboneError(f"{family} model folder not found: {name}")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, local_files_only=True))
    except Exception as err:
        hint = f", or {alternative}" if alternative else ""
        raise BackboneError(
            f"{family} model {name!r} is neither a local folder nor in the local Hugging Face "
            f"cache ({type(err).__name__}); download it on a connected machine and pass its "
            f"folder: {family}:/path/to/model{hint}"
        ) from None
