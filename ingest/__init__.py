"""Dataset loaders, video decoding, encoder backbones and the batched ingest pipeline."""
