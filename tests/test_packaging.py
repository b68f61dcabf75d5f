"""Every Python package folder and every SQL file ships in the installed `vtr` namespace."""

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "vtr": "vtr",
    "warehouse": "vtr.warehouse",
    "ingest": "vtr.ingest",
    "reports": "vtr.reports",
    "models": "vtr.models",
}


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_installed():
    config = _setuptools()
    wanted = set()
    for folder, namespace in LAYERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            wanted.add(".".join([namespace, *parts]))
    assert wanted <= set(config["packages"])
    for package in wanted:
        assert (ROOT / config["package-dir"][package] / "__init__.py").is_file()


def test_sql_and_model_configs_ship_as_package_data():
    data = _setuptools()["package-data"]
    assert "*/*.sql" in data["vtr.sql"]
    assert all(p.parent.parent == ROOT / "sql" for p in ROOT.glob("sql/**/*.sql"))
    assert "model_configs/*.json" in data["vtr.ingest"]
