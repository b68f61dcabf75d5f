"""`vtr serve`: a read-only local web app over one warehouse (see docs/serve.md)."""

from vtr.serve.app import create_app

__all__ = ["create_app"]
