"""The `vtr` command: a thin layer over the library (see `vtr --help`)."""


def main() -> None:
    from vtr.cli.app import app

    app()
