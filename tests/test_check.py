"""`vtr check` on real warehouses: each fault is made as a crash leaves it, found, and
repaired so that the next ingest redoes exactly what was lost, and no more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import lance
import numpy as np
import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.ingest.commit import Committer, reconcile, write_fragments
from vtr.warehouse import open_warehouse
from vtr.warehouse.check import check, check_warehouse
from vtr.warehouse.maintenance import maintain
from vtr.warehouse.runs import list_runs, start_run
from vtr.warehouse.variants import Variant, list_variants, register_variant

TEXT = Variant("text", "test:check")
VIDEO = Variant("video", "test:check", temporal="mean", frames=4)
ITEMS = ["a", "b", "c", "d", "e", "f"]
REPO = Path(__file__).resolve().parents[1]


def _vectors(ids: list[str], dim: int) -> np.ndarray:
    return np.array([[ord(i[0]) + k for k in range(dim)] for i in ids], dtype=np.float32)


def _ingest(wh, variant: Variant, dim: int, ids: list[str], every: int = 2, run: int = 1) -> None:
    """What `vtr ingest` does for one variant: reconcile, then commit `every` items."""
    register_variant(wh, variant, dim)
    done = reconcile(wh, "d", [variant])[variant.id]
    committer = Committer(wh, "d", run_id=run, every=every)
    for start in range(0, len(ids), every):
        todo = [i for i in ids[start : start + every] if i not in done]
        if todo:
            committer.add(
                [
                    write_fragments(
                        wh.lance_path,
                        variant.lance_table,
                        "d",
                        todo,
                        _vectors(todo, dim),
                        variant.id,
                    )
                ]  # fmt: skip
            )
    committer.close()


def _state(wh, variant: Variant) -> tuple[Counter, set[str]]:
    rows = Counter(wh.vectors.read(variant.lance_table, "d")[0])
    marks = wh.con.execute(
        "SELECT item_id FROM ingest_done WHERE variant_id = ?", [variant.id]
    ).fetchall()
    return rows, {m[0] for m in marks}


def _kinds(found: list[dict]) -> list[str]:
    return sorted(f["kind"] for f in found)


@pytest.fixture
def healthy(wh):
    _ingest(wh, TEXT, 4, ITEMS)
    _ingest(wh, VIDEO, 6, ITEMS[:4])
    return wh


def test_a_healthy_warehouse_has_no_findings(healthy):
    run = start_run(healthy, "ingest", {})  # this process's own run: alive
    assert check(healthy) == []
    assert [r["status"] for r in list_runs(healthy) if r["run_id"] == run] == ["running"]
    root = healthy.root
    healthy.close()
    result = CliRunner().invoke(app, ["check", str(root)])
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output


def test_a_killed_first_commit_is_found_removed_and_no_longer_crashes(wh):
    register_variant(wh, TEXT, 4)
    versions = wh.vectors.table_path(TEXT.lance_table) / "_versions"
    versions.mkdir(parents=True)
    (versions / "18446744073709551614.manifest").write_bytes(b"")  # as a SIGKILL leaves it
    assert not wh.vectors.has_table(TEXT.lance_table)
    assert wh.vectors.count(TEXT.lance_table) == 0  # what `vtr variants` shows: no crash
    [found] = check(wh)
    assert found["kind"] == "broken_table" and TEXT.id in found["object"]
    assert "remove" in found["repair"]
    root = wh.root
    wh.close()
    result = check_warehouse(root, repair=True)
    assert _kinds(result["repaired"]) == ["broken_table"] and result["remaining"] == []
    assert not (root / "lance" / f"{TEXT.lance_table}.lance").exists()


def test_an_ingest_and_maintenance_heal_a_killed_first_commit_by_themselves(wh):
    register_variant(wh, TEXT, 4)
    versions = wh.vectors.table_path(TEXT.lance_table) / "_versions"
    versions.mkdir(parents=True)
    (versions / "18446744073709551614.manifest").write_bytes(b"")
    maintain(wh)  # removes the folder of a first commit that never happened
    assert not versions.exists()
    versions.mkdir(parents=True)
    (versions / "18446744073709551614.manifest").write_bytes(b"")
    _ingest(wh, TEXT, 4, ITEMS)
    rows, marks = _state(wh, TEXT)
    assert rows == Counter(ITEMS) and marks == set(ITEMS)
    assert check(wh) == []


def _data_file(wh, variant: Variant, fragment: int = 1) -> Path:
    uri = wh.vectors.table_path(variant.lance_table)
    frag = lance.dataset(str(uri)).get_fragment(fragment)
    return uri / "data" / Path(frag.metadata.files[0].path).name


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_an_unreadable_data_file_is_dropped_and_exactly_its_items_re_embedded(healthy, damage):
    wh = healthy
    path = _data_file(wh, TEXT)  # the fragment of items c, d
    if damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    [found] = check(wh)
    assert found["kind"] == "unreadable_fragment" and path.name in found["detail"]
    assert TEXT.lance_table in found["object"] and "unmark" in found["repair"]
    root = wh.root
    wh.close()
    result = check_warehouse(root, repair=True)
    assert _kinds(result["repaired"]) == ["unreadable_fragment"] and result["remaining"] == []
    with open_warehouse(root) as wh:
        rows, marks = _state(wh, TEXT)
        assert rows == Counter(["a", "b", "e", "f"]) and marks == {"a", "b", "e", "f"}
        assert _state(wh, VIDEO)[0] == Counter(ITEMS[:4])  # the other table is untouched
        _ingest(wh, TEXT, 4, ITEMS, run=2)
        rows, marks = _state(wh, TEXT)
        assert rows == Counter(ITEMS) and marks == set(ITEMS)
        redone = wh.con.execute(
            "SELECT item_id FROM ingest_done WHERE variant_id = ? AND run_id = 2", [TEXT.id]
        ).fetchall()
        assert {r[0] for r in redone} == {"c", "d"}  # exactly the lost fragment's items
        ids, vectors = wh.vectors.read(TEXT.lance_table, "d", ITEMS)
        np.testing.assert_array_equal(vectors, _vectors(ITEMS, 4))
        assert check(wh) == []


def test_rows_without_marks_and_duplicates_are_found_and_the_marked_rows_kept(healthy):
    wh = healthy
    wh.vectors.append(TEXT.lance_table, "d", ["a", "[zz]"], _vectors(["a", "[zz]"], 4))
    wh.con.execute("DELETE FROM ingest_done WHERE variant_id = ? AND item_id = 'f'", [TEXT.id])
    found = check(wh)
    assert _kinds(found) == ["duplicate_rows", "unmarked_rows"]
    root = wh.root
    wh.close()
    shown = CliRunner().invoke(app, ["check", str(root)])
    assert shown.exit_code == 1 and "'[zz]'" in shown.output  # ids print as they are
    result = check_warehouse(root, repair=True)
    assert result["remaining"] == []
    with open_warehouse(root, read_only=True) as wh:
        rows, marks = _state(wh, TEXT)
        assert rows == Counter(ITEMS[:5]) and marks == set(ITEMS[:5])


def test_marks_whose_rows_are_gone_are_dropped(healthy):
    wh = healthy
    lance.dataset(str(wh.vectors.table_path(TEXT.lance_table))).delete("item_id = 'b'")
    [found] = check(wh)
    assert found["kind"] == "marks_without_rows" and "'b'" in found["detail"]
    root = wh.root
    wh.close()
    assert check_warehouse(root, repair=True)["remaining"] == []
    with open_warehouse(root, read_only=True) as wh:
        assert _state(wh, TEXT)[1] == set(ITEMS) - {"b"}


def _child(root: Path, body: str) -> None:
    """Run `body` in a fresh Python with `wh` open on `root`; it SIGKILLs itself."""
    code = (
        textwrap.dedent(
            f"""
        import os, signal
        from vtr.warehouse import open_warehouse
        wh = open_warehouse({str(root)!r})
        """
        )
        + textwrap.dedent(body)
        + "\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == -9, done.stderr


@pytest.mark.faults
def test_a_sigkilled_run_shows_crashed_and_repair_marks_it_failed(wh):
    root = wh.root
    wh.close()
    _child(root, "from vtr.warehouse.runs import start_run\nstart_run(wh, 'ingest', {})\n")
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["runs", str(root), "--json"]).stdout)
    assert [r["status"] for r in listed] == ["crashed"] and listed[0]["pid"] > 0
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1
    found = json.loads(result.stdout)["remaining"]
    assert _kinds(found) == ["catalog_wal", "dead_run"]  # a SIGKILL skips the checkpoint
    assert found[1]["object"] == "run 1" and "process is gone" in found[1]["detail"]
    result = runner.invoke(app, ["check", str(root), "--repair"])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["runs", str(root), "--json"]).stdout)
    assert [r["status"] for r in listed] == ["failed"]


@pytest.mark.faults
def test_train_killed_during_write_back_leaves_orphans_that_repair_deletes(healthy):
    wh = healthy
    root = wh.root
    wh.close()
    _child(
        root,
        f"""
        import numpy as np
        from vtr.warehouse.runs import start_run
        from vtr.warehouse.variants import Variant, register_variant
        run = start_run(wh, "train", {{}})
        text = Variant.parse({TEXT.id!r}).trained_by(run)
        video = Variant.parse({VIDEO.id!r}).trained_by(run)
        register_variant(wh, text, 4, {{"train_run": run}})
        wh.vectors.append(text.lance_table, "d", ["a", "b"], np.ones((2, 4), np.float32))
        register_variant(wh, video, 4, {{"train_run": run}})  # killed before its rows
        """,
    )
    result = check_warehouse(root)
    kinds = ["catalog_wal", "dead_run", "orphan_variant", "orphan_variant"]
    assert _kinds(result["findings"]) == kinds
    result = check_warehouse(root, repair=True)
    assert result["remaining"] == []
    with open_warehouse(root, read_only=True) as wh:
        assert sorted(v["variant_id"] for v in list_variants(wh)) == sorted([TEXT.id, VIDEO.id])
        assert _state(wh, TEXT)[0] == Counter(ITEMS)
        assert [r["status"] for r in list_runs(wh)] == ["failed"]
        tables = {p.name for p in (root / "lance").iterdir()}
        assert tables == {f"{TEXT.lance_table}.lance", f"{VIDEO.lance_table}.lance"}


def test_a_half_written_evaluation_is_deleted(healthy):
    wh = healthy
    wh.con.execute(
        "INSERT INTO evals (dataset, split, text_variant, video_variant, search, k, n_texts, "
        "n_videos) VALUES ('d', 'test', ?, ?, 'exact', 10, 6, 4)",
        [TEXT.id, VIDEO.id],
    )
    [found] = check(wh)
    assert found["kind"] == "half_written_eval" and found["object"] == "eval 1"
    root = wh.root
    wh.close()
    assert check_warehouse(root, repair=True)["remaining"] == []
    with open_warehouse(root, read_only=True) as wh:
        assert wh.con.execute("SELECT count(*) FROM evals").fetchone() == (0,)


def test_an_orphan_table_folder_is_removed(healthy):
    wh = healthy
    wh.vectors.append("left_over", "d", ["a"], _vectors(["a"], 4))
    [found] = check(wh)
    assert found["kind"] == "orphan_table" and "left_over" in found["object"]
    root = wh.root
    wh.close()
    assert check_warehouse(root, repair=True)["remaining"] == []
    assert not (root / "lance" / "left_over.lance").exists()


def test_check_json_lists_findings_with_what_repair_does(healthy):
    path = _data_file(healthy, VIDEO)
    os.remove(path)
    root = healthy.root
    healthy.close()
    result = CliRunner().invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["repaired"] == [] and data["findings"] == data["remaining"]
    [found] = data["findings"]
    assert set(found) >= {"kind", "object", "detail", "repair"}


def test_a_table_whose_current_version_does_not_open_is_rolled_back(healthy):
    wh = healthy
    versions = wh.vectors.table_path(TEXT.lance_table) / "_versions"
    newest = min(versions.glob("*.manifest"))  # names count down from u64::MAX
    newest.write_bytes(b"garbage")
    [found] = check(wh)
    assert found["kind"] == "unreadable_table" and "roll" in found["repair"]
    root = wh.root
    wh.close()
    result = check_warehouse(root, repair=True)
    assert _kinds(result["repaired"]) == ["unreadable_table"] and result["remaining"] == []
    with open_warehouse(root) as wh:
        rows, marks = _state(wh, TEXT)  # the last commit (e, f) is lost, and unmarked
        assert rows == Counter(ITEMS[:4]) and marks == set(ITEMS[:4])
        _ingest(wh, TEXT, 4, ITEMS, run=2)
        assert _state(wh, TEXT) == (Counter(ITEMS), set(ITEMS))


def test_an_ingest_drops_unreadable_fragments_by_itself_and_re_embeds_them(healthy):
    wh = healthy
    _data_file(wh, TEXT).unlink()
    _ingest(wh, TEXT, 4, ITEMS, run=2)
    assert _state(wh, TEXT) == (Counter(ITEMS), set(ITEMS))
    redone = wh.con.execute(
        "SELECT item_id FROM ingest_done WHERE variant_id = ? AND run_id = 2", [TEXT.id]
    ).fetchall()
    assert {r[0] for r in redone} == {"c", "d"}
    assert check(wh) == []


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_eval_on_an_unreadable_file_names_table_and_file_and_the_repair(tiny, damage):
    from tiny import TEXT as TINY_TEXT
    from tiny import VIDEO as TINY_VIDEO

    root, _ = tiny
    folder = root / "lance" / f"{TINY_VIDEO.lance_table}.lance" / "data"
    [path] = list(folder.glob("*.lance"))
    if damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:100])
    runner = CliRunner()
    argv = ["eval", str(root), "--dataset", "tiny", "--split", "test"]
    result = runner.invoke(app, [*argv, "--text-variant", TINY_TEXT.id,
                                 "--video-variant", TINY_VIDEO.id])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = " ".join(result.output.split())
    assert TINY_VIDEO.lance_table in message and path.name in message
    assert "run `vtr check --repair" in message and "Traceback" not in message
    variants = runner.invoke(app, ["variants", str(root), "--json"])
    assert variants.exit_code == 0, variants.output
    result = runner.invoke(app, ["check", str(root), "--repair", "--json"])
    assert result.exit_code == 0, result.output
    assert [f["kind"] for f in json.loads(result.stdout)["repaired"]] == ["unreadable_fragment"]


def test_maintenance_on_an_unreadable_file_says_to_run_check_repair(healthy):
    from vtr.errors import WarehouseDamaged

    path = _data_file(healthy, TEXT)
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(WarehouseDamaged, match=r"vtr check --repair") as caught:
        maintain(healthy)
    assert TEXT.lance_table in str(caught.value) and path.name in str(caught.value)


def test_a_corrupt_catalog_is_a_finding_not_a_traceback(healthy):
    root = healthy.root
    healthy.close()
    catalog = root / "catalog.duckdb"
    data = bytearray(catalog.read_bytes())
    data[: 4096 * 3] = b"\xff" * (4096 * 3)  # the file header and both database headers
    catalog.write_bytes(bytes(data))
    result = CliRunner().invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1, result.output
    [found] = json.loads(result.stdout)["remaining"]
    assert found["kind"] == "catalog_unreadable" and found["object"] == "catalog.duckdb"


def test_check_of_a_folder_without_a_warehouse_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1 and "not a vtr warehouse" in result.output


def test_a_reused_pid_counts_as_gone_and_a_live_one_does_not():
    import socket

    from vtr.warehouse.runs import process_gone, process_started

    host, parent = socket.gethostname(), os.getppid()
    started = process_started(parent)
    assert started is not None
    assert not process_gone(parent, host, started)  # alive, the same process
    assert process_gone(parent, host, started - 3600)  # alive, but another process
    assert not process_gone(parent, "another-host", started - 3600)  # cannot tell
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert process_gone(child.pid, host, None)


def test_each_commit_is_a_heartbeat_of_its_run(wh):
    run = start_run(wh, "ingest", {})
    first = wh.con.execute("SELECT heartbeat_at FROM runs WHERE run_id = ?", [run]).fetchone()
    register_variant(wh, TEXT, 4)
    committer = Committer(wh, "d", run_id=run, every=1)
    committer.add([write_fragments(wh.lance_path, TEXT.lance_table, "d", ["a"],
                                   _vectors(["a"], 4), TEXT.id)])  # fmt: skip
    later = wh.con.execute("SELECT heartbeat_at FROM runs WHERE run_id = ?", [run]).fetchone()
    assert first[0] is not None and later[0] > first[0]
    [row] = list_runs(wh)
    assert row["pid"] == os.getpid() and row["status"] == "running"


def test_a_catalog_behind_the_schema_is_reported_and_migrated(healthy):
    root = healthy.root
    healthy.con.execute("DELETE FROM schema_version WHERE version = 18")
    for column in ("pid", "host", "process_started", "heartbeat_at"):
        healthy.con.execute(f"ALTER TABLE runs DROP COLUMN {column}")
    healthy.close()
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1, result.output
    [found] = json.loads(result.stdout)["remaining"]
    assert found["kind"] == "catalog_schema_behind" and "18" in found["detail"]
    result = runner.invoke(app, ["check", str(root), "--repair"])
    assert result.exit_code == 0, result.output


def test_references_to_missing_variants_and_runs_are_reported_not_repaired(healthy):
    wh = healthy
    wh.con.execute(
        "INSERT INTO evals (dataset, split, text_variant, video_variant, search, k, n_texts, "
        "n_videos) VALUES ('d', 'test', 'text/gone/final/embed', ?, 'exact', 10, 0, 0)",
        [VIDEO.id],
    )
    wh.con.execute(
        "INSERT INTO train_runs (run_id, dataset, text_variant, video_variant, head, loss, "
        "out_text_variant) VALUES (42, 'd', ?, ?, 'proj', 'infonce', 'text/gone/final/embed')",
        [TEXT.id, VIDEO.id],
    )
    found = check(wh)
    assert _kinds(found) == ["dangling_eval", "dangling_train_run"]
    assert "'text/gone/final/embed'" in found[0]["detail"]
    assert "run 42" in found[1]["detail"] and "text/gone/final/embed" in found[1]["detail"]
    root = wh.root
    wh.close()
    result = check_warehouse(root, repair=True)
    assert result["repaired"] == [] and _kinds(result["remaining"]) == _kinds(found)
