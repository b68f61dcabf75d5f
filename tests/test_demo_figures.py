"""The demo numbers of docs/benchmarks.md are what `make demo` gives now: the test runs the
same demo (300 videos, seed 0) and checks every demo figure the page quotes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vtr.demo import run_demo
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import retrieval_metrics

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
RECALL = re.compile(r"(T2V|V2T) R@1 ([\d.]+), R@5 ([\d.]+), R@10 ([\d.]+)(?:, MedR ([\d.]+))?")


def _row(text: str, starts: str) -> str:
    (line,) = [line for line in text.splitlines() if line.startswith(starts)]
    return line


def _quoted(line: str) -> dict[str, list[str]]:
    return {m.group(1): [g for g in m.groups()[1:] if g is not None] for m in RECALL.finditer(line)}


def _shown(metrics: dict, direction: str, with_medr: bool) -> list[str]:
    row = metrics[direction.lower()]
    shown = [f"{row[key]:.2f}" for key in ("R@1", "R@5", "R@10")]
    return [*shown, f"{row['MedR']:g}"] if with_medr else shown


@pytest.mark.slow
def test_readme_demo_numbers_are_what_the_demo_gives(tmp_path):
    text = BENCHMARKS.read_text(encoding="utf-8")
    result = run_demo(tmp_path / "demo", videos=300, seed=0, show_progress=False)
    with open_warehouse(result.warehouse, read_only=True) as wh:
        reranked = {name: retrieval_metrics(wh, i) for name, i in result.rerank_evals.items()}
    baseline = _quoted(_row(text, "| demo metrics"))
    trained = _quoted(_row(text, "| demo train step"))
    for direction in ("T2V", "V2T"):
        assert baseline[direction] == _shown(result.metrics, direction, True), direction
        assert trained[direction] == _shown(result.trained_metrics, direction, False), direction

    dual, qb = reranked["dual-softmax (trained)"], reranked["qb-norm (trained)"]
    line = _row(text, "| re-ranking the trained variants")
    plain = result.trained_metrics
    t2v, v2t = (
        f"T2V R@1 {plain['t2v']['R@1']:.2f} → {dual['t2v']['R@1']:.2f} with dual softmax",
        f"→ {qb['t2v']['R@1']:.2f} with QB-Norm",
    )
    assert t2v in line and v2t in line, line
    v2t_line = f"V2T R@1 {plain['v2t']['R@1']:.2f} → {dual['v2t']['R@1']:.2f} / "
    assert v2t_line + f"{qb['v2t']['R@1']:.2f}" in line, line

    for name, metrics in (
        ("| none (plain cosine)", plain),
        ("| dual softmax †", dual),
        ("| QB-Norm (train-split bank)", qb),
    ):
        cells = [c.strip() for c in _row(text, name).strip("|").split("|")][1:]
        want = []
        for direction in ("t2v", "v2t"):
            row = metrics[direction]
            for key in ("R@1", "R@5"):
                gain = row[key] - plain[direction][key]
                want.append(f"{row[key]:.2f}" + (f" ({gain:+.2f})" if metrics is not plain else ""))
            want.append(f"{row['MRR']:.4f}")
        assert cells == want, name
