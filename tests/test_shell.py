"""The catalog opens in the real DuckDB shell (duckdb-cli) and sees the embeddings."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.warehouse.bridge import extension_path, literal
from vtr.warehouse.variants import Variant, register_variant

DUCKDB = str(Path(sys.executable).with_name("duckdb"))


def _seed(wh):
    wh.con.execute("INSERT INTO datasets VALUES ('d ü', 'msrvtt-json', NULL, NULL, now())")
    wh.con.execute(
        "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
        "VALUES ('d ü', 'c1', 'v1', 'a red ''circle''', 3, 'test'),"
        " ('d ü', 'c2', 'v2', 'a blue square', 3, 'test')"
    )
    variant = Variant("text", "st:minilm")
    register_variant(wh, variant, 4)
    vectors = np.arange(8, dtype=np.float32).reshape(2, 4)
    wh.vectors.append(variant.lance_table, "d ü", ["c1", "c2"], vectors)
    return variant


def _shell(catalog: Path, sql: str) -> str:
    done = subprocess.run(
        [DUCKDB, "-readonly", "-csv", str(catalog), "-c", sql],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_shell_loads_packaged_lance_extension_and_joins_metadata(wh):
    variant = _seed(wh)
    wh.close()
    table_path = wh.lance_path / f"{variant.lance_table}.lance"
    sql = (
        f"LOAD {literal(str(extension_path('lance')))}; "
        "SELECT c.text, e.vector[2] AS second "
        f"FROM {literal(str(table_path))} e JOIN captions c ON c.caption_id = e.item_id "
        "ORDER BY c.caption_id;"
    )
    out = _shell(wh.catalog_path, sql)
    assert out.splitlines() == ["text,second", "\"a red 'circle'\",1.0", "a blue square,5.0"]


def test_vtr_shell_init_names_every_variant(wh):
    variant = _seed(wh)
    wh.close()
    result = CliRunner().invoke(app, ["shell", str(wh.root), "--print-init"])
    assert result.exit_code == 0, result.output
    sql = result.stdout + "SELECT count(*) AS n FROM text_st_minilm_final_embed;"
    assert variant.lance_table != "text_st_minilm_final_embed"  # the hash suffix is left off
    assert _shell(wh.catalog_path, sql).splitlines() == ["n", "2"]


def test_view_names_keep_the_hash_only_where_two_variants_would_share_a_name():
    from vtr.warehouse.bridge import view_names

    a, b = Variant("text", "st:a-b"), Variant("text", "st:a_b")  # both slug to st_a_b
    c = Variant("text", "st:minilm")
    names = view_names([a.lance_table, b.lance_table, c.lance_table])
    assert names[a.lance_table] == a.lance_table and names[b.lance_table] == b.lance_table
    assert names[c.lance_table] == "text_st_minilm_final_embed"
