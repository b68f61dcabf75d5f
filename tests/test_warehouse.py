import duckdb
import pytest

from vtr.errors import SchemaTooNew, UnknownVariant, WarehouseExists, WarehouseNotFound
from vtr.warehouse import init_warehouse, open_warehouse
from vtr.warehouse.migrations import current_version, latest_version, migrate, schema_files
from vtr.warehouse.variants import Variant, get_variant, list_variants, register_variant

CORE_TABLES = {
    "datasets", "videos", "captions", "categories", "variants", "runs", "ingest_errors",
    "evals", "ranks", "neighbours", "relevant_ranks", "score_samples", "schema_version",
}  # fmt: skip


def test_init_creates_catalog_and_lance_folder(wh):
    assert wh.catalog_path.is_file()
    assert wh.lance_path.is_dir()
    rows = wh.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    tables = {row[0] for row in rows}
    assert tables >= CORE_TABLES
    assert current_version(wh.con) == latest_version()


def test_init_twice_is_refused(wh):
    with pytest.raises(WarehouseExists):
        init_warehouse(wh.root)


def test_open_missing_warehouse_says_how_to_create(tmp_path):
    with pytest.raises(WarehouseNotFound, match="vtr init"):
        open_warehouse(tmp_path / "nope")


def test_migrate_is_idempotent(wh):
    assert migrate(wh.con) == []
    count = wh.con.execute("SELECT count(*) FROM schema_version").fetchone()[0]
    assert count == len(schema_files())  # one row per migration file


def test_catalog_from_newer_vtr_is_refused(tmp_path):
    path = tmp_path / "w"
    init_warehouse(path).close()
    con = duckdb.connect(str(path / "catalog.duckdb"))
    con.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    con.close()
    with pytest.raises(SchemaTooNew, match="999"):
        open_warehouse(path)


def test_read_only_open_sees_data(wh):
    register_variant(wh, Variant("text", "st:minilm"), 384)
    root = wh.root
    wh.close()
    with open_warehouse(root, read_only=True) as ro:
        assert [row["variant_id"] for row in list_variants(ro)] == ["text/st:minilm/final/embed"]


@pytest.mark.parametrize(
    "variant",
    [
        Variant("video", "open_clip:ViT-B-32:laion2b_s34b_b79k", temporal="mean", frames=8),
        Variant("video", "open_clip:ViT-B-32:/models/my ckpt/x.bin", "-2", "cls", "max", 16),
        Variant("text", "st:/home/a b/o'brien/modèle"),
        Variant("text", "open_clip:vtr-tiny-vit:random", "final", "embed"),
    ],
)
def test_variant_id_round_trips(variant):
    assert Variant.parse(variant.id) == variant
    assert variant.lance_table.replace("_", "").isalnum()


@pytest.mark.parametrize(
    "bad", ["audio/x/final/embed", "text/final", "video/open_clip:a:b/final/embed/mean/eight"]
)
def test_bad_variant_ids_are_explained(bad):
    with pytest.raises(UnknownVariant):
        Variant.parse(bad)


def test_register_variant_once_and_unknown_lists_known(wh):
    variant = Variant("video", "open_clip:vtr-tiny-vit:random", temporal="mean", frames=8)
    register_variant(wh, variant, 256, {"weights": "random"})
    register_variant(wh, variant, 256, {"weights": "random"})
    assert len(list_variants(wh)) == 1
    row = get_variant(wh, variant.id)
    assert row["dim"] == 256 and row["lance_table"] == variant.lance_table
    with pytest.raises(UnknownVariant, match="open_clip:vtr-tiny-vit:random"):
        get_variant(wh, "text/st:nothing/final/embed")
