"""`vtr compare` and `vtr intervals` on a real (tiny) warehouse."""

from __future__ import annotations

import json

from tiny import TEXT, VIDEO
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import metrics_by_category, retrieval_metrics, run_eval


def _invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_compare_two_evaluations_of_the_same_split(tiny):
    root, data = tiny
    with open_warehouse(root) as wh:
        plain = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        dual = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, rerank="dual-softmax")
        a, b = retrieval_metrics(wh, plain), retrieval_metrics(wh, dual)
    out = _invoke("compare", root, plain, dual, "--b", 200, "--json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["rows"]
    assert [(r["direction"], r["metric"]) for r in rows][:2] == [("t2v", "R@1"), ("t2v", "R@5")]
    for row in rows:
        assert row["a"] == a[row["direction"]][row["metric"]]
        assert row["b"] == b[row["direction"]][row["metric"]]
        assert 0 < row["p_value"] <= row["p_holm"] <= 1
        assert row["low"] <= row["high"]
    table = _invoke("compare", root, plain, dual, "--b", 100)
    assert table.exit_code == 0, table.output
    assert "B - A [95% interval]" in table.output and "p Holm" in table.output
    same = json.loads(_invoke("compare", root, plain, plain, "--b", 50, "--json").stdout)
    assert {(r["low"], r["high"], r["p_value"]) for r in same["rows"]} == {(0, 0, 1)}


def test_compare_refuses_evaluations_of_other_queries(tiny):
    root, _ = tiny
    with open_warehouse(root) as wh:
        test = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        train = run_eval(wh, "tiny", "train", TEXT.id, VIDEO.id)
    out = _invoke("compare", root, test, train)
    assert out.exit_code == 1
    assert f"evaluations {test} and {train} do not hold the same queries" in out.output
    unknown = _invoke("compare", root, test, 99)
    assert unknown.exit_code == 1 and "no evaluation with id 99" in unknown.output
    bad = _invoke("compare", root, test, test, "--level", "2")
    assert bad.exit_code == 1 and "--level 2.0" in bad.output


def test_intervals_of_one_evaluation_resample_videos(tiny):
    root, data = tiny
    with open_warehouse(root) as wh:
        eval_id = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        point = retrieval_metrics(wh, eval_id)
        categories = metrics_by_category(wh, eval_id)
    out = _invoke("intervals", root, eval_id, "--b", 200, "--json")
    assert out.exit_code == 0, out.output
    groups = {g["direction"]: g for g in json.loads(out.stdout)["groups"]}
    t2v = groups["t2v"]
    # captions of a video are drawn together: one unit per captioned video
    assert t2v["n_queries"] == len(data["caption_ids"])
    assert t2v["n_units"] == len(set(data["gt"].tolist())) < t2v["n_queries"]
    assert groups["v2t"]["n_units"] == groups["v2t"]["n_queries"]
    for direction, group in groups.items():
        assert group["values"] == point[direction]
        for key, (low, high) in ((k, group[k]) for k in point[direction]):
            assert low <= high, key
    by_category = _invoke("intervals", root, eval_id, "--by", "category", "--b", 50, "--json")
    rows = json.loads(by_category.stdout)["groups"]
    assert [(r["direction"], r["name"]) for r in rows] == [
        (r["direction"], r["name"]) for r in categories
    ]
    table = _invoke("intervals", root, eval_id, "--b", 50)
    assert table.exit_code == 0 and "R@1" in table.output and "[" in table.output
