"""The comparison report (leaderboard, recall charts, re-ranking gain) on a real warehouse."""

from __future__ import annotations

import pytest
import typer
from report_checks import assert_self_contained, assert_tables_have_rows, markdown_tables
from tiny import TEXT, VIDEO
from typer.testing import CliRunner

from vtr.cli.report_cmds import register
from vtr.errors import UnknownEval
from vtr.reports.compare import write_comparison_report
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import retrieval_metrics, run_eval


@pytest.fixture
def evaluated(tiny):
    root, _ = tiny
    with open_warehouse(root) as wh:
        ids = {
            "plain": run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id),
            "dual": run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, rerank="dual-softmax"),
            "qb": run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, rerank="qb-norm", beta=5),
        }
        metrics = {name: retrieval_metrics(wh, e) for name, e in ids.items()}
    return root, ids, metrics


def test_leaderboard_and_gain(evaluated, tmp_path):
    root, ids, metrics = evaluated
    with open_warehouse(root, read_only=True) as wh:
        path = write_comparison_report(wh, out_dir=tmp_path / "cmp")
        board = wh.rows("reports/leaderboard", {"eval_ids": None})
        gains = wh.rows("reports/rerank_gain", {"eval_ids": None})
    assert len(assert_self_contained(path)) == 2
    assert assert_tables_have_rows(path) == 2
    t2v_r1 = [row["t2v_R@1"] for row in board]
    assert sorted(t2v_r1, reverse=True) == t2v_r1
    assert {row["eval_id"]: row["t2v_R@1"] for row in board} == {
        e: metrics[name]["t2v"]["R@1"] for name, e in ids.items()
    }
    assert {(g["eval_id"], g["direction"]) for g in gains} == {
        (ids[n], d) for n in ("dual", "qb") for d in ("t2v", "v2t")
    }
    for g in gains:
        name = "dual" if g["eval_id"] == ids["dual"] else "qb"
        want = metrics[name][g["direction"]]["R@1"] - metrics["plain"][g["direction"]]["R@1"]
        assert g["ΔR@1"] == pytest.approx(want)
        assert g["plain_eval_id"] == ids["plain"]
        assert g["test_statistics"] == (name == "dual")
    text = path.read_text(encoding="utf-8")
    assert "dual-softmax †" in text and "qb-norm †" not in text


def test_chosen_evaluations_only(evaluated, tmp_path):
    root, ids, _ = evaluated
    with open_warehouse(root, read_only=True) as wh:
        path = write_comparison_report(wh, [ids["plain"], ids["qb"]], out_dir=tmp_path / "two")
        with pytest.raises(UnknownEval, match=r"\[99\]"):
            write_comparison_report(wh, [ids["plain"], 99])
    leaderboard = markdown_tables(path.read_text(encoding="utf-8"))[0]
    assert sorted(int(line.split("|")[1]) for line in leaderboard[2:]) == [
        ids["plain"],
        ids["qb"],
    ]


def test_no_rerank_and_no_evaluation(tiny, tmp_path):
    root, _ = tiny
    with open_warehouse(root) as wh:
        with pytest.raises(UnknownEval, match="no evaluations yet"):
            write_comparison_report(wh)
        run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        path = write_comparison_report(wh, out_dir=tmp_path / "one")
    assert "No re-ranked evaluation" in path.read_text(encoding="utf-8")


def test_cli_compare(evaluated, tmp_path):
    root, ids, _ = evaluated
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    out = tmp_path / "cli"
    args = ["report", str(root), "--compare", "--out", str(out)]
    result = CliRunner().invoke(
        app, [*args, "--eval", str(ids["plain"]), "--eval", str(ids["dual"])]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str((out / "report.md").resolve())
    both = CliRunner().invoke(app, ["report", str(root), "--compare", "--eda"])
    assert both.exit_code != 0 and "one of" in both.output


def test_eval_report_marks_rerank_and_shows_gain(evaluated, tmp_path):
    from vtr.reports.retrieval import write_retrieval_report

    root, ids, metrics = evaluated
    with open_warehouse(root, read_only=True) as wh:
        dual = write_retrieval_report(wh, ids["dual"], out_dir=tmp_path / "d").read_text()
        plain = write_retrieval_report(wh, ids["plain"], out_dir=tmp_path / "p").read_text()
    assert "dual-softmax (temperature 0.01) † **uses statistics of the test queries**" in dual
    assert "Re-ranking gain over plain cosine" in dual
    gain = metrics["dual"]["t2v"]["R@1"] - metrics["plain"]["t2v"]["R@1"]
    assert f"{gain:+.2f}" in dual
    assert "none (plain cosine)" in plain and "Re-ranking gain" not in plain


def test_pasted_leaderboard_sql_gives_the_same_rows(evaluated):
    from vtr.reports.compare import leaderboard_sql

    root, ids, _ = evaluated
    with open_warehouse(root, read_only=True) as wh:
        pasted = wh.con.execute(leaderboard_sql()).fetchall()
        bound = wh.rows("reports/leaderboard", {"eval_ids": None})
    assert [row[0] for row in pasted] == [row["eval_id"] for row in bound]
    assert len(pasted) == len(ids)
