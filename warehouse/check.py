"""`vtr check`: find (and with `repair=True` fix) what crashes leave in a warehouse.

Each finding is a dict {kind, object, detail, repair}: what is wrong, with which object
(a catalog table, a variant's Lance table, a run, an evaluation), and what a repair
does. Kinds, by what they look at:
catalog (`catalog_unreadable`, `catalog_schema_behind`, `catalog_wal`), Lance tables
(`broken_table`, `unreadable_table`, `unreadable_fragment`, `row_count_mismatch`,
`orphan_table`), rows against done marks (`unmarked_rows`, `duplicate_rows`,
`marks_without_rows`), references (`orphan_variant`, `half_written_eval`,
`dangling_eval`, `dangling_train_run`) and runs (`dead_run`). The README's "vtr check"
section tables what each means and what its repair does.

Repairs never delete a readable row that has its done mark.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import lance

from vtr.errors import CatalogCorrupt, VtrError
from vtr.warehouse.catalog import CATALOG_FILE, Warehouse, open_warehouse
from vtr.warehouse.migrations import schema_files
from vtr.warehouse.runs import finish_run, process_gone
from vtr.warehouse.variants import Variant, list_variants
from vtr.warehouse.vectors import LANCE_ERRORS

Finding = dict[str, Any]
NOT_REPAIRABLE = "none: not repairable by vtr check"


def finding(kind: str, obj: str, detail: str, repair: str, **extra: Any) -> Finding:
    return {"kind": kind, "object": obj, "detail": detail, "repair": repair, **extra}


def check_warehouse(root: str | Path, repair: bool = False) -> dict[str, list[Finding]]:
    """Check the warehouse at `root`; with `repair`, repair what was found and check again.

    Returns {"findings": the first check's, "repaired": those a repair fixed,
    "remaining": what a check finds after that} ("remaining" is "findings" without
    `repair`). The catalog is opened read-write only to repair.
    """
    root = Path(root)
    wal = (root / f"{CATALOG_FILE}.wal").is_file()
    try:
        wh = open_warehouse(root, read_only=not repair)
    except (duckdb.Error, CatalogCorrupt) as err:
        found = [finding("catalog_unreadable", CATALOG_FILE, str(err), NOT_REPAIRABLE)]
        return {"findings": found, "repaired": [], "remaining": found}
    with wh:
        found = check(wh)
        if wal:
            found.insert(
                0,
                finding(
                    "catalog_wal",
                    f"{CATALOG_FILE}.wal",
                    "a write-ahead log was left behind (a checkpoint was skipped)",
                    "checkpoint the log into the catalog",
                ),
            )
        if not repair:
            return {"findings": found, "repaired": [], "remaining": found}
        repaired = [item for item in found if apply_repair(wh, item)]
        remaining = check(wh)
    return {"findings": found, "repaired": repaired, "remaining": remaining}


def check(wh: Warehouse) -> list[Finding]:
    """Every finding in an open warehouse (catalog, Lance tables, references, runs)."""
    found = check_catalog(wh)
    if found:
        return found
    variants = list_variants(wh)
    for variant in variants:
        found += check_variant(wh, variant)
    found += check_orphan_tables(wh, {v["lance_table"] for v in variants})
    found += check_orphan_variants(wh, variants)
    found += check_runs(wh)
    found += check_evals(wh)
    return found


def check_catalog(wh: Warehouse) -> list[Finding]:
    """Read every value of every catalog table."""
    found = []
    for (name,) in wh.sql("check/catalog_tables").fetchall():
        try:
            wh.sql("check/scan_table", {"table_name": name}).fetchall()
        except (duckdb.Error, CatalogCorrupt) as err:
            found.append(finding("catalog_unreadable", f"table {name}", str(err), NOT_REPAIRABLE))
    applied = {row[0] for row in wh.sql("catalog/applied_versions").fetchall()}
    behind = sorted({version for version, _, _ in schema_files()} - applied)
    if behind and not found:  # the other checks read the newest schema
        detail = f"schema version(s) {', '.join(map(str, behind))} not applied yet"
        repair = "apply the schema migrations (any read-write open does)"
        found.append(finding("catalog_schema_behind", CATALOG_FILE, detail, repair))
    return found


def check_variant(wh: Warehouse, variant: dict[str, Any]) -> list[Finding]:
    """The variant's Lance table: opens, every fragment scans, rows agree with marks."""
    return [{**item, "variant_id": variant["variant_id"]} for item in _check_table(wh, variant)]


def _check_table(wh: Warehouse, variant: dict[str, Any]) -> list[Finding]:
    store, table, variant_id = wh.vectors, variant["lance_table"], variant["variant_id"]
    obj = f"variant {variant_id} (table {table})"
    marks = wh.sql("check/marks", {"variant_id": variant_id}).fetchall()
    if store.broken_first_commit(table):
        detail = "its first commit was killed: _versions/ holds no non-empty manifest"
        return [finding("broken_table", obj, detail, "remove the table folder", table=table)]
    if not store.has_table(table):
        if not marks:
            return []
        detail = f"{len(marks)} done mark(s) but no table"
        return [finding("marks_without_rows", obj, detail, "drop those marks", table=table)]
    uri = str(store.table_path(table))
    try:
        dataset = lance.dataset(uri)
    except LANCE_ERRORS as err:
        repair = "roll the table back to its newest version that opens"
        return [finding("unreadable_table", obj, _short(err), repair, table=table)]
    found, rows = [], []
    for fragment in dataset.get_fragments():
        try:
            keys = []
            for batch in fragment.to_batches(columns=["dataset", "item_id", "vector"]):
                keys += zip(batch["dataset"].to_pylist(), batch["item_id"].to_pylist(), strict=True)
            rows += keys
        except LANCE_ERRORS as err:
            files = [f.path for f in fragment.metadata.files]
            detail = f"fragment {fragment.fragment_id} ({', '.join(files)}): {_short(err)}"
            repair = "drop the fragment and unmark its items (the next ingest re-embeds them)"
            found.append(
                finding(
                    "unreadable_fragment",
                    obj,
                    detail,
                    repair,
                    table=table,
                    fragment=fragment.fragment_id,
                    files=[str(Path(uri) / "data" / Path(f).name) for f in files],
                )
            )
    if not found and dataset.count_rows() != len(rows):
        detail = f"the table counts {dataset.count_rows()} rows but {len(rows)} scan"
        found.append(finding("row_count_mismatch", obj, detail, NOT_REPAIRABLE, table=table))
    if not marks:
        return found  # written without done marks (trained, clip-level): rows are the truth
    return found + _compare_marks(obj, table, set(marks), rows, bool(found))


def _compare_marks(obj: str, table: str, marks: set, rows: list, lost: bool) -> list[Finding]:
    found = []
    counts = Counter(rows)
    unmarked = sorted(key for key in counts if key not in marks)
    duplicated = sorted(key for key, n in counts.items() if n > 1 and key in marks)
    missing = marks - set(counts)
    repair = "delete the rows without a mark and the extra copies (one row per mark stays)"
    if unmarked:
        detail = f"{len(unmarked)} item(s) have rows but no done mark, e.g. {unmarked[0][1]!r}"
        found.append(finding("unmarked_rows", obj, detail, repair, table=table))
    if duplicated:
        detail = f"{len(duplicated)} marked item(s) have several rows, e.g. {duplicated[0][1]!r}"
        found.append(finding("duplicate_rows", obj, detail, repair, table=table))
    if missing and not lost:  # rows of unreadable fragments are reported there
        example = sorted(missing)[0][1]
        detail = f"{len(missing)} done mark(s) without a row, e.g. {example!r}"
        repair = "drop those marks (the next ingest embeds those items again)"
        found.append(finding("marks_without_rows", obj, detail, repair, table=table))
    return found


def check_orphan_tables(wh: Warehouse, tables: set[str]) -> list[Finding]:
    found = []
    if not wh.lance_path.is_dir():
        return found
    for folder in sorted(wh.lance_path.glob("*.lance")):
        if folder.is_dir() and folder.name.removesuffix(".lance") not in tables:
            detail = "no variant names this table"
            found.append(
                finding(
                    "orphan_table",
                    f"table folder {folder.name}",
                    detail,
                    "remove the folder",
                    path=str(folder),
                )
            )
    return found


def check_orphan_variants(wh: Warehouse, variants: list[dict[str, Any]]) -> list[Finding]:
    """Variants of training runs that ended without recording their train_runs row."""
    found = []
    for variant in variants:
        try:
            run_id = Variant.parse(variant["variant_id"]).head_run
        except VtrError:
            continue
        if run_id is None:
            continue
        status, recorded = wh.sql("check/train_runs_of", {"run_id": run_id}).fetchone()
        if recorded or (status == "running" and not _run_dead(wh, run_id)):
            continue
        detail = f"written by training run {run_id} ({status or 'unknown'}), which never recorded"
        found.append(
            finding(
                "orphan_variant",
                f"variant {variant['variant_id']}",
                detail,
                "delete the variant, its marks and its table",
                variant_id=variant["variant_id"],
                table=variant["lance_table"],
            )
        )
    return found


def _run_dead(wh: Warehouse, run_id: int) -> bool:
    return any(f["run_id"] == run_id for f in check_runs(wh))


def check_runs(wh: Warehouse) -> list[Finding]:
    """Runs recorded as running whose process is gone.

    A run that recorded no PID (made before runs recorded one) or ran on another host
    counts as dead too: one warehouse is written from one host (DuckDB's file lock is
    not dependable over a network file system).
    """
    found = []
    for run in wh.rows("check/running_runs"):
        gone = process_gone(run["pid"], run["host"], run["process_started"])
        unknowable = run["pid"] is None or not gone and run["host"] != _host()
        if gone or unknowable:
            why = "its process is gone" if gone else "its process cannot be seen from here"
            detail = f"{run['kind']} run started {run['started_at']} is 'running' but {why}"
            found.append(
                finding(
                    "dead_run",
                    f"run {run['run_id']}",
                    detail,
                    "mark the run failed",
                    run_id=run["run_id"],
                )
            )
    return found


def _host() -> str:
    import socket

    return socket.gethostname()


def check_evals(wh: Warehouse) -> list[Finding]:
    found = []
    for row in wh.rows("check/half_written_evals"):
        detail = f"ranks {row['n_texts']} texts and {row['n_videos']} videos but has no rank rows"
        found.append(
            finding(
                "half_written_eval",
                f"eval {row['eval_id']}",
                detail,
                "delete the evaluation",
                eval_id=row["eval_id"],
            )
        )
    for row in wh.rows("check/dangling_evals"):
        detail = f"names variant {row['variant_id']!r}, which the catalog does not hold"
        found.append(finding("dangling_eval", f"eval {row['eval_id']}", detail, NOT_REPAIRABLE))
    for row in wh.rows("check/dangling_train_runs"):
        detail = f"names {', '.join(row['missing'])}, which the catalog does not hold"
        found.append(
            finding("dangling_train_run", f"train run {row['run_id']}", detail, NOT_REPAIRABLE)
        )
    return found


def _short(err: BaseException) -> str:
    """A Lance error's message without its source location."""
    return str(err).split(", /")[0].strip()


# ---- repairs ------------------------------------------------------------------------


def apply_repair(wh: Warehouse, item: Finding) -> bool:
    """Do `item`'s repair; whether it was done. A repair that fails leaves its error in
    `item["repair_error"]` (the check after the repairs reports what is still wrong)."""
    try:
        return _repair(wh, item)
    except (*LANCE_ERRORS, duckdb.Error, VtrError) as err:
        item["repair_error"] = str(err).split(", /")[0]
        return False


def _repair(wh: Warehouse, item: Finding) -> bool:
    kind = item["kind"]
    if kind == "catalog_schema_behind":
        pass  # the read-write open that repairs has migrated the catalog
    elif kind == "catalog_wal":
        wh.con.execute("CHECKPOINT")
    elif kind in ("broken_table", "orphan_table"):
        path = Path(item.get("path") or wh.vectors.table_path(item["table"]))
        shutil.rmtree(path, ignore_errors=True)
        if kind == "broken_table":
            _reconcile_variant(wh, item["variant_id"])
    elif kind == "unreadable_table":
        _roll_back(wh, item["table"])
        _reconcile_variant(wh, item["variant_id"])
    elif kind == "unreadable_fragment":
        wh.vectors.drop_fragments(item["table"], [item["fragment"]])
        _reconcile_variant(wh, item["variant_id"])
    elif kind in ("unmarked_rows", "duplicate_rows", "marks_without_rows"):
        _reconcile_variant(wh, item["variant_id"])
    elif kind == "orphan_variant":
        with wh.transaction():
            wh.sql("check/unmark_variant", {"variant_id": item["variant_id"]})
            wh.sql("check/delete_variant", {"variant_id": item["variant_id"]})
        shutil.rmtree(wh.vectors.table_path(item["table"]), ignore_errors=True)
    elif kind == "dead_run":
        summary = {"error": "its process was gone (marked failed by vtr check --repair)"}
        finish_run(wh, item["run_id"], "failed", summary)
    elif kind == "half_written_eval":
        with wh.transaction():
            for name in _DELETE_EVAL:
                wh.sql(name, {"eval_id": item["eval_id"]})
    else:
        return False
    return True


_DELETE_EVAL = (
    "check/delete_eval_ranks",
    "check/delete_eval_relevant_ranks",
    "check/delete_eval_neighbours",
    "check/delete_eval_score_samples",
    "check/delete_eval_eval_query_results",
    "check/delete_eval_evals",
)


def _reconcile_variant(wh: Warehouse, variant_id: str) -> None:
    """Rows and marks of the variant made to agree, dataset by dataset (ingest's rule)."""
    from vtr.ingest.commit import reconcile

    marks = wh.sql("check/marks", {"variant_id": variant_id}).fetchall()
    if not marks:
        return  # a variant written without marks: its rows are kept as they are
    datasets = {dataset for dataset, _ in marks}
    table = wh.rows("variants/get", {"variant_id": variant_id})[0]["lance_table"]
    if wh.vectors.has_table(table):
        data = lance.dataset(str(wh.vectors.table_path(table))).to_table(columns=["dataset"])
        datasets |= set(data["dataset"].unique().to_pylist())
    for dataset in sorted(datasets):
        reconcile(wh, dataset, [variant_id])


def _roll_back(wh: Warehouse, table: str) -> None:
    """Make the newest version that opens the current one: the manifests of newer ones,
    which do not open, are moved aside to `_versions_unreadable/`."""
    uri = Path(wh.vectors.table_path(table))
    manifests = {}
    for path in (uri / "_versions").glob("*.manifest"):
        if path.stem.isdigit():  # newer Lance names a manifest u64::MAX - version
            number = int(path.stem)
            manifests[2**64 - 1 - number if number > 2**63 else number] = path
    aside = uri / "_versions_unreadable"
    for version in sorted(manifests, reverse=True):
        try:
            lance.dataset(str(uri), version=version).count_rows()
            return
        except LANCE_ERRORS:
            aside.mkdir(exist_ok=True)
            manifests[version].rename(aside / manifests[version].name)
    raise VtrError(f"no version of {table} opens; remove {uri} and ingest again")
