"""The offline demo, small: every report it promises exists and is self-contained."""

from __future__ import annotations

from report_checks import assert_self_contained, assert_tables_have_rows

from vtr.demo import run_demo


def test_demo_writes_index_and_four_reports(tmp_path):
    result = run_demo(tmp_path / "demo out", videos=20, seed=1, workers=0, show_progress=False)
    assert result.report == (tmp_path / "demo out" / "report" / "report.md").resolve()
    index = result.report.read_text(encoding="utf-8")
    for name in ("dataset", "eval", "train", "compare"):
        path = result.reports[name]
        assert f"({name}/report.md)" in index
        assert_self_contained(path)
        assert_tables_have_rows(path)
    assert "case_t2v_best_1.png" in result.reports["eval"].read_text(encoding="utf-8")
    compare = result.reports["compare"].read_text(encoding="utf-8")
    assert "dual-softmax †" in compare and "qb-norm" in compare
    assert "Re-ranking gain over plain cosine" in compare and "No re-ranked" not in compare
    assert sorted(result.rerank_evals) == ["dual-softmax (trained)", "qb-norm (trained)"]
    assert result.trained_eval in {
        int(line.split("|")[1])
        for line in compare.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().isdigit()
    }
