"""vtr.registry: lookups, unknown names, and plugins loaded through the same path as
built-ins (the `vtr.<kind>` entry-point group)."""

from __future__ import annotations

import sys
import textwrap
from importlib.metadata import EntryPoint

import pytest
from typer.testing import CliRunner

from vtr import registry
from vtr.errors import BackboneError, UnknownItem, VtrError
from vtr.registry import BACKBONES, FORMATS, HEADS, LOSSES, RERANKERS, Registry


def test_register_returns_the_object_and_records_its_metadata():
    reg = Registry("widgets", [])

    @reg.register("a", help="the a widget", colour="red")
    def make_a():
        return "A"

    assert make_a() == "A" and reg.get("a") is make_a
    assert reg.names() == ["a"] and reg.entry("a").meta == {"colour": "red"}
    assert reg.entries()[0].help == "the a widget" and "a" in reg and list(reg) == ["a"]
    table = reg.markdown_table({"name": "name", "colour": "colour", "what": "help"})
    assert table.splitlines() == [
        "| name | colour | what |",
        "| --- | --- | --- |",
        "| a | red | the a widget |",
    ]
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a", help="another")(lambda: None)


@pytest.mark.parametrize(
    "reg, known", [(BACKBONES, "open_clip"), (HEADS, "mlp"), (LOSSES, "infonce"),
                   (FORMATS, "msrvtt-json"), (RERANKERS, "qb-norm")],
)  # fmt: skip
def test_an_unknown_name_is_a_vtr_error_listing_the_known_ones(reg, known):
    with pytest.raises(UnknownItem) as err:
        reg.get("nosuch")
    assert isinstance(err.value, VtrError) and err.value.exit_code == 2
    assert "'nosuch'" in str(err.value) and known in str(err.value)
    assert all(name in str(err.value) for name in reg.names())


def test_the_cli_reports_an_unknown_head_as_one_line(tmp_path):
    from vtr.cli.app import app
    from vtr.warehouse import init_warehouse

    init_warehouse(tmp_path / "wh").close()
    result = CliRunner().invoke(
        app, ["train", str(tmp_path / "wh"), "--dataset", "d", "--text-variant", "t",
              "--video-variant", "v", "--head", "nosuch"],
    )  # fmt: skip
    message = " ".join(result.output.split())
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "unknown head 'nosuch'" in message and "transformer" in message


PLUGIN = """
from vtr.registry import BACKBONES, HEADS

@BACKBONES.register("toyfam", help="a plugin family", towers=("text",), spec="toyfam:X",
                    example="toyfam:x")
def load(rest, device, seed):
    return ("toy", rest)

@HEADS.register("toyhead", help="a plugin head", sequence=True)
def build(in_dim, out_dim, **options):
    return ("toyhead", in_dim, out_dim)
"""


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A third-party module announced through the `vtr.backbones` / `vtr.heads` entry
    points of a fake distribution; the registries are fresh copies."""
    (tmp_path / "vtr_toy_plugin.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    groups = {
        "vtr.backbones": [EntryPoint("toy", "vtr_toy_plugin", "vtr.backbones")],
        "vtr.heads": [EntryPoint("toy", "vtr_toy_plugin:build", "vtr.heads")],
    }
    monkeypatch.setattr(registry, "entry_points", lambda group: groups.get(group, []))
    loaded: list[str] = []
    real = registry.load_module
    monkeypatch.setattr(
        registry, "load_module", lambda target: loaded.append(target) or real(target)
    )
    for name in ("BACKBONES", "HEADS"):
        old = getattr(registry, name)
        fresh = Registry(old.kind, old.builtins, old.what)
        monkeypatch.setattr(registry, name, fresh)
        monkeypatch.setattr(sys.modules["vtr.ingest.backbones.specs"], name, fresh, raising=False)
    monkeypatch.delitem(sys.modules, "vtr_toy_plugin", raising=False)
    for module in [m for m in sys.modules if m.startswith("vtr.ingest.backbones.families.")]:
        monkeypatch.delitem(sys.modules, module)  # the built-ins register into the fresh copy
    return loaded


def test_an_entry_point_plugin_loads_through_the_same_function_as_the_builtins(plugin):
    from vtr.ingest.backbones import specs

    assert specs.check_spec("toyfam:abc", "text") == ("toyfam", "abc")
    assert plugin == ["vtr.ingest.backbones.families.*", "vtr_toy_plugin"]
    assert {"open_clip", "st", "toyfam"} <= set(registry.BACKBONES.names())
    assert registry.BACKBONES.get("toyfam")("abc", None, 0) == ("toy", "abc")
    with pytest.raises(BackboneError, match="no video tower"):
        specs.check_spec("toyfam:abc", "video")
    assert registry.HEADS.get("toyhead")(4, 2) == ("toyhead", 4, 2)
    assert plugin[-2:] == ["vtr.models.heads.*", "vtr_toy_plugin:build"]


def test_the_builtin_list_is_imported_on_the_first_lookup_not_before():
    reg = Registry("lazy", ["vtr_registry_missing_module"])
    reg.register("early", help="registered before any lookup")(object)
    with pytest.raises(ModuleNotFoundError, match="vtr_registry_missing_module"):
        reg.names()


def test_entries_are_listed_by_name_whatever_was_imported_first():
    reg = Registry("order", [])
    for name in ("b", "c", "a"):
        reg.register(name, help=name)(object())
    assert reg.names() == ["a", "b", "c"] and reg.choices() == "a, b or c"
    with pytest.raises(UnknownItem, match="known: a, b, c"):
        reg.get("d")
