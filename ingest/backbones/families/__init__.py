"""One module per backbone family, each registering itself in `vtr.registry.BACKBONES`.

A family module imports no torch or model library at import time (spec checks run without
them); its loader imports the heavy class on first use. A new family is one new file here.
"""
