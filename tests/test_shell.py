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


VTR = [sys.executable, "-c", "from vtr.cli import main; main()"]
ROOT = Path(__file__).resolve().parents[1]


def test_vtr_shell_runs_a_query_on_a_snapshot_and_says_when_it_was_taken(wh):
    variant = _seed(wh)
    wh.close()
    assert variant.lance_table.startswith("text_st_minilm_final_embed_")
    sql = "SELECT count(*) AS n FROM text_st_minilm_final_embed JOIN captions ON true;"
    done = subprocess.run(
        [*VTR, "shell", str(wh.root), "-c", sql],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4" in done.stdout  # 2 rows x 2 captions
    assert "a read-only snapshot of" in done.stderr and "taken at 20" in done.stderr


def test_an_idle_vtr_shell_holds_no_lock(wh):
    from vtr.warehouse import open_warehouse

    _seed(wh)
    wh.close()
    shell = subprocess.Popen(
        [*VTR, "shell", str(wh.root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert "a read-only snapshot of" in shell.stderr.readline()  # the shell is up
        shell.stdin.write("SELECT 42 AS answer;\n")
        shell.stdin.flush()
        with open_warehouse(wh.root, wait=0) as writer:  # no wait: nothing holds it
            writer.con.execute("DELETE FROM captions WHERE caption_id = 'c2'")
        shell.stdin.write("SELECT count(*) AS n FROM captions;\n")
        out, _ = shell.communicate(timeout=60)  # stdin closed: the shell quits
    finally:
        if shell.poll() is None:
            shell.kill()
            shell.wait()
    assert shell.returncode == 0
    cells = [line.strip("│ ") for line in out.splitlines() if line.startswith("│")]
    assert cells[cells.index("answer") + 2] == "42"
    assert cells[cells.index("n") + 2] == "2"  # the snapshot still holds both captions
