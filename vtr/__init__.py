"""vtr: an embedding warehouse for text-video retrieval research."""

__version__ = "0.1.0"
