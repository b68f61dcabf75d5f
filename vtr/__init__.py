"""vtr: an embedding warehouse for text-video retrieval research.

    import vtr
    wh = vtr.open("wh")          # or vtr.init("wh") for a new one
    ev = wh.eval("msrvtt", text_variant, video_variant)
    ev.metrics(), ev.ranks().df()

See `vtr.api` for every method. The names load on first use, so the `vtr` command
starts without importing the database engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Evaluation", "VtrError", "Warehouse", "__version__", "init", "open", "synthesize"]

if TYPE_CHECKING:
    from vtr.api import Evaluation, Warehouse, init, open, synthesize  # noqa: A004
    from vtr.errors import VtrError


def __getattr__(name: str) -> Any:
    if name == "VtrError":
        from vtr.errors import VtrError

        return VtrError
    if name in __all__:
        from vtr import api

        return getattr(api, name)
    raise AttributeError(f"module 'vtr' has no attribute {name!r}")
