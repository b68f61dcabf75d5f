"""The retrieval metrics are defined once (sql/schema/021_metrics.sql): every surface that
shows metrics shows exactly the metrics of that definition, and a changed definition
reaches a warehouse made before it."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import duckdb
import numpy as np
import pytest
import torch
from tiny import TEXT, VIDEO, reference_ranks
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import MetricsOutdated
from vtr.models.heads import TwoTower, build_head
from vtr.models.losses import build_loss
from vtr.models.module import AlignModule
from vtr.reports.compare import write_comparison_report
from vtr.reports.retrieval import write_retrieval_report
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import list_evals, metrics_for_similarity
from vtr.warehouse.metric_defs import DIRECTIONS, metric, metric_names, retrieval_metric_defs
from vtr.warehouse.migrations import migrate


def _invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]


def logged_training_metrics() -> dict[str, float]:
    """What the training monitor logs at the end of a validation epoch (T2V metrics)."""
    rng = np.random.default_rng(0)
    n = 60
    texts = torch.tensor(rng.normal(size=(n, 8)), dtype=torch.float32)
    videos = texts + 0.5 * torch.tensor(rng.normal(size=(n, 8)), dtype=torch.float32)
    model = TwoTower(build_head("proj", 8, 8), build_head("proj", 8, 8))
    module = AlignModule(model, build_loss("infonce"))
    data = SimpleNamespace(retrieval_inputs=lambda split: (texts, videos, np.arange(n)))
    module._trainer = SimpleNamespace(datamodule=data, sanity_checking=False)
    logged: dict[str, float] = {}
    module.log = lambda name, value, **_: logged.__setitem__(name, value)
    module._log_retrieval("val")
    return logged


def surfaces(root) -> dict[str, list[str]]:
    """The metric names each surface shows, for a tiny warehouse at `root` (tests/tiny.py):
    `vtr eval --json`, `vtr evals --json`, `vtr intervals --json`, `vtr compare --json`,
    the leaderboard query, the retrieval and comparison reports and the training monitor."""
    args = ["--dataset", "tiny", "--text-variant", TEXT.id, "--video-variant", VIDEO.id]
    evaluated = json.loads(_invoke("eval", root, *args, "--json").stdout)
    second = json.loads(_invoke("eval", root, *args, "--rerank", "dual-softmax", "--json").stdout)
    a, b = evaluated["eval_id"], second["eval_id"]
    listing = json.loads(_invoke("evals", root, "--json").stdout)[0]
    intervals = json.loads(_invoke("intervals", root, a, "--b", 20, "--json").stdout)["groups"]
    t2v_intervals = next(g for g in intervals if g["direction"] == "t2v")
    compared = json.loads(_invoke("compare", root, a, b, "--b", 20, "--json").stdout)["rows"]
    with open_warehouse(root, read_only=True) as wh:
        board = wh.rows("reports/leaderboard", {"eval_ids": None})[0]
        gains = wh.rows("reports/rerank_gain", {"eval_ids": None})[0]
        report = write_retrieval_report(wh, a, root / "report", cases=0, bootstrap=20)
        comparison = write_comparison_report(wh, out_dir=root / "compare")
    overall = report.read_text().split("## Overall")[1].splitlines()[2]
    board_header = comparison.read_text().split("## Leaderboard")[1].splitlines()[4]
    monitor = logged_training_metrics()
    t2v = "t2v_"
    return {
        "vtr eval --json": list(evaluated["t2v"]),
        "vtr evals --json": [k[len(t2v) :] for k in listing if k.startswith(t2v)][1:],
        "vtr intervals --json": [k for k in t2v_intervals if isinstance(t2v_intervals[k], list)],
        "vtr intervals --json values": list(t2v_intervals["values"]),
        "vtr compare --json": [r["metric"] for r in compared if r["direction"] == "t2v"],
        "leaderboard": [k[len(t2v) :] for k in board if k.startswith(t2v)][1:],
        "re-ranking gain": [k[1:] for k in gains if k.startswith("Δ")],
        "report overall table": [c.strip() for c in overall.strip("|").split("|")][1:],
        "comparison report": [
            c.strip()[4:] for c in board_header.strip("|").split("|") if c.strip()[:4] == "T2V "
        ],
        "training monitor": [k[len("val/") :] for k in monitor],
    }


def test_the_metric_list_comes_from_the_column_comments():
    con = duckdb.connect()
    migrate(con)
    names = metric_names()
    assert {"R@1", "R@5", "R@10", "MedR", "MeanR", "MRR", "mAP"} <= set(names)
    per_query = _columns(con, "query_metrics")
    assert per_query[per_query.index("n_words") + 1 :] == list(names)
    long = _columns(con, "retrieval_metrics")
    assert long[long.index("n_queries") + 1 :] == list(names)
    wide = _columns(con, "retrieval_metrics_wide")
    assert [c for c in wide if c[:4] in ("t2v_", "v2t_")] == [
        f"{d}_{m}" for d in DIRECTIONS for m in ("n_queries", *names)
    ]
    assert metric("R@1").higher_is_better and not metric("MedR").higher_is_better
    assert (metric("R@1").unit, metric("MedR").unit, metric("MRR").unit) == (
        "percent",
        "rank",
        "fraction",
    )
    assert metric("MRR").format(0.123456) == "0.1235" and metric("R@1").format(12.345) == "12.35"
    assert all(m.description for m in retrieval_metric_defs())
    with pytest.raises(KeyError, match="known: R@1"):
        metric("R@2")


def test_every_surface_shows_every_metric_in_definition_order(tiny):
    root, _ = tiny
    shown = surfaces(root)
    assert shown == {name: list(metric_names()) for name in shown}


def test_the_wide_view_holds_the_long_view_side_by_side(tiny):
    root, _ = tiny
    _invoke(
        "eval", root, "--dataset", "tiny", "--text-variant", TEXT.id, "--video-variant", VIDEO.id
    )
    with open_warehouse(root, read_only=True) as wh:
        long = wh.rows("metrics/retrieval", {"eval_id": 1, "by": "category"})
        wide = wh.rows("metrics/retrieval_wide", {"eval_id": 1, "by": "category"})
    assert {r["category_id"] for r in long} == {r["category_id"] for r in wide}
    by_key = {(r["direction"], r["category_id"]): r for r in long}
    for row in wide:
        for d in DIRECTIONS:
            want = by_key.get((d, row["category_id"]))
            for key in ("n_queries", *metric_names()):
                assert row[f"{d}_{key}"] == (want[key] if want else None), (d, key)


def test_a_changed_definition_reaches_a_warehouse_made_before_it(tiny):
    """021_metrics is re-applied when its text changes: a catalog whose definition lacks
    a metric (as if made by an older vtr) has it after the next read-write open."""
    root, _ = tiny
    with open_warehouse(root) as wh:
        wh.con.execute(
            "CREATE OR REPLACE VIEW query_metrics AS SELECT eval_id, direction, query_id, "
            'video_id, category_id, n_words, 100 * CAST(rank <= 1 AS DOUBLE) AS "R@1", '
            'rank AS "MedR" FROM query_result_rows'
        )
        wh.con.execute("UPDATE schema_version SET sha256 = 'older' WHERE version = 21")
        assert _columns(wh.con, "retrieval_metrics")[-2:] == ["R@1", "MedR"]
    with open_warehouse(root, read_only=True) as wh:  # read-only: left as it is, and said
        assert "mAP" not in _columns(wh.con, "retrieval_metrics")
        with pytest.raises(MetricsOutdated, match="lack R@5, .*mAP.*Open the warehouse read-write"):
            list_evals(wh)
    said = CliRunner().invoke(app, ["evals", str(root)])
    assert said.exit_code != 0 and "Traceback" not in said.output
    assert "made by an older vtr" in " ".join(said.output.split())
    with open_warehouse(root) as wh:
        long = _columns(wh.con, "retrieval_metrics")
        assert long[long.index("n_queries") + 1 :] == list(metric_names())
        sha = wh.con.execute("SELECT sha256 FROM schema_version WHERE version = 21").fetchone()
        assert re.fullmatch("[0-9a-f]{64}", sha[0])
    with open_warehouse(root) as wh:  # unchanged: not applied again
        assert migrate(wh.con) == []


@pytest.mark.parametrize("seed", [0, 1])
def test_recalls_equal_the_numpy_reference_to_the_last_bit(seed):
    """R@K is 100 * the share of hits, as `100 * np.mean(rank <= K)`, not the mean of 100s
    (which differs in the last bit, and can then round the other way in a report)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 6, size=97)
    gt = rng.permutation(np.repeat(np.arange(97), counts))
    sim = rng.normal(size=(len(gt), 97))
    sim[np.arange(len(gt)), gt] += 1.0
    got = metrics_for_similarity(sim, gt)
    for direction, (_, ranks, _) in reference_ranks(sim, gt).items():
        for name in metric_names():
            if metric(name).unit == "percent":
                k = int(name.removeprefix("R@"))
                assert got[direction][name] == 100 * np.mean(ranks <= k), (direction, name)
