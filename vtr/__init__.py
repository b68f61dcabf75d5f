"""vtr: an embedding warehouse for text-video retrieval research.

    import vtr
    wh = vtr.open("wh")          # or vtr.init("wh") for a new one
    ev = wh.eval("msrvtt", text_variant, video_variant)
    ev.metrics(), ev.ranks().df()

See `vtr.api` for every method.
"""

from vtr.api import Evaluation, Warehouse, init, open, synthesize  # noqa: A004
from vtr.errors import VtrError

__version__ = "0.1.0"
__all__ = ["Evaluation", "VtrError", "Warehouse", "__version__", "init", "open", "synthesize"]
