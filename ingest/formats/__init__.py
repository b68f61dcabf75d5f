"""One module per annotation format, each registering its loader in `vtr.registry.FORMATS`
with the file extensions it reads (and, where one extension is shared, a `sniff` check of
the file's first record). `--format` help and the README's table are generated from it.

A loader is `load(path, video_dir) -> DatasetRows` (vtr.ingest.datasets). A new format is
one new file here.
"""
