"""Moment retrieval / highlight metrics (SQL) against the official QVHighlights evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import moment_reference
import numpy as np
import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import AnnotationError, PredictionError
from vtr.warehouse.moment_evals import evaluate_files

# the real reference files live in the shared data folder next to the checkout
QVH = Path(__file__).resolve().parents[2] / "shared" / "data" / "qvhighlights"
GT = QVH / "highlight_val_release.jsonl"
PRED = QVH / "sample_val_preds.jsonl"
REFERENCE = QVH / "sample_val_preds_metrics_raw.json"


@pytest.fixture(autouse=True, scope="module")
def reference_files_present():
    """The reference data sits beside the checkout (`../shared/data`); without it these
    tests fail, never skip: reproducing the official numbers is what they are for."""
    missing = [p for p in (GT, PRED, REFERENCE) if not p.is_file()]
    assert not missing, f"QVHighlights reference files missing: {missing}"


def _leaves(tree: dict, prefix: str = "") -> dict[str, float]:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_leaves(value, f"{prefix}{key}/"))
        else:
            out[prefix + key] = value
    return out


def test_reproduces_official_metrics_of_sample_predictions():
    ours = _leaves(evaluate_files(GT, PRED))
    reference = _leaves(json.loads(REFERENCE.read_text()))
    assert len(reference) == 104
    assert set(ours) == set(reference)
    for key, expected in reference.items():
        # the reference prints float(f"{100 * x:.2f}"): ours rounded the same way is equal
        assert float(f"{ours[key]:.2f}") == expected, key
        assert abs(ours[key] - expected) <= 0.005 + 1e-9, key


def test_cli_prints_official_keys_unrounded():
    result = CliRunner().invoke(app, ["metrics", "moments", str(GT), str(PRED), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    reference = json.loads(REFERENCE.read_text())
    assert list(metrics["brief"]) == list(reference["brief"])
    assert metrics["brief"]["MR-full-R1@0.5"] == pytest.approx(836 / 1550 * 100, rel=1e-12)


def _random_case(seed: int, n_queries: int = 40) -> tuple[list[dict], list[dict]]:
    """Queries with 1-4 windows of every length bucket, tied scores and coarse saliency."""
    rng = np.random.default_rng(seed)
    gt, pred = [], []
    for qid in range(n_queries):
        duration = float(rng.choice([40, 96, 150, 151]))
        n_clips = int(duration / 2)
        windows = []
        for _ in range(int(rng.integers(1, 5))):
            start = 2 * int(rng.integers(0, n_clips - 1))
            length = 2 * int(rng.integers(1, min(40, n_clips - start // 2) + 1))
            windows.append([start, min(start + length, duration)])
        clips = sorted(rng.choice(n_clips, size=int(rng.integers(1, n_clips)), replace=False))
        gt.append(
            {
                "qid": qid,
                "query": f"query {qid}",
                "duration": duration,
                "vid": f"v{qid}",
                "relevant_windows": windows,
                "relevant_clip_ids": [int(c) for c in clips],
                "saliency_scores": rng.integers(0, 5, size=(len(clips), 3)).tolist(),
            }
        )
        n_pred = int(rng.integers(1, 14))
        starts = rng.integers(0, int(duration) - 2, size=n_pred)
        lengths = rng.integers(2, 60, size=n_pred)
        scores = rng.integers(0, 4, size=n_pred) / 4  # many ties
        pred.append(
            {
                "qid": qid,
                "pred_relevant_windows": [
                    [float(s), float(min(s + n, duration)), float(c)]
                    for s, n, c in zip(starts, lengths, scores, strict=True)
                ],
                "pred_saliency_scores": (
                    rng.integers(0, 6, size=n_clips + int(rng.integers(-5, 5))) / 5
                ).tolist(),
            }
        )
    return gt, pred


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sql_matches_a_numpy_statement_of_the_definitions(tmp_path, seed):
    gt, pred = _random_case(seed)
    ours = evaluate_files(
        _write_jsonl(tmp_path / "gt.jsonl", gt), _write_jsonl(tmp_path / "p.jsonl", pred)
    )
    expected = {
        **moment_reference.moment_retrieval(gt, pred),
        **moment_reference.highlights(gt, pred),
    }
    flat_ours, flat_expected = _leaves(ours), _leaves(expected)
    assert set(flat_expected) <= set(flat_ours)
    for key, value in flat_expected.items():
        assert flat_ours[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


def test_missing_predictions_are_named(tmp_path):
    gt, pred = _random_case(0, n_queries=3)
    gt_path = _write_jsonl(tmp_path / "gt.jsonl", gt)
    with pytest.raises(PredictionError, match="no prediction for 1 queries .*qid 2"):
        evaluate_files(gt_path, _write_jsonl(tmp_path / "p.jsonl", pred[:2]))


def test_bad_rows_name_the_line_and_cause(tmp_path):
    gt, pred = _random_case(0, n_queries=2)
    gt[1]["saliency_scores"][0] = [1, 2]
    with pytest.raises(AnnotationError, match=r"gt.jsonl:2 \(qid 1\): saliency of clip"):
        evaluate_files(_write_jsonl(tmp_path / "gt.jsonl", gt), tmp_path / "p.jsonl")
    gt[1]["saliency_scores"][0] = [1, 2, 3]
    pred[0]["pred_relevant_windows"][0] = [1.0, 2.0]
    with pytest.raises(PredictionError, match=r"qid 0.*predicted window 0 \[1.0, 2.0\]"):
        evaluate_files(
            _write_jsonl(tmp_path / "gt.jsonl", gt), _write_jsonl(tmp_path / "p.jsonl", pred)
        )


def test_unlabelled_split_cannot_be_scored(tmp_path):
    gt, pred = _random_case(0, n_queries=2)
    for row in gt:
        for key in ("relevant_windows", "relevant_clip_ids", "saliency_scores"):
            del row[key]
    with pytest.raises(AnnotationError, match="without relevant windows"):
        evaluate_files(
            _write_jsonl(tmp_path / "gt.jsonl", gt), _write_jsonl(tmp_path / "p.jsonl", pred)
        )


def test_qvhighlights_file_registers_as_a_dataset(wh):
    from vtr.ingest.datasets import register_dataset

    summary = register_dataset(wh, "qvh", GT, None)
    assert summary["format"] == "qvhighlights" and summary["captions"] == 1550
    counts = wh.con.execute(
        "SELECT (SELECT count(*) FROM moment_queries WHERE split = 'val'),"
        " (SELECT count(*) FROM moment_windows), (SELECT count(DISTINCT video_id) FROM videos)"
    ).fetchone()
    assert counts[0] == 1550 and counts[1] > 1550 and counts[2] == summary["videos"]
    again = register_dataset(wh, "qvh", GT, None)
    assert again["new_captions"] == 0
    assert wh.con.execute("SELECT count(*) FROM moment_queries").fetchone()[0] == 1550


def test_windows_only_or_saliency_only_predictions(tmp_path):
    gt, pred = _random_case(4, n_queries=5)
    gt_path = _write_jsonl(tmp_path / "gt.jsonl", gt)
    windows_only = [{k: v for k, v in p.items() if k != "pred_saliency_scores"} for p in pred]
    brief = evaluate_files(gt_path, _write_jsonl(tmp_path / "w.jsonl", windows_only))["brief"]
    assert "MR-full-R1@0.5" in brief and not any(k.startswith("HL") for k in brief)
    saliency_only = [{k: v for k, v in p.items() if k != "pred_relevant_windows"} for p in pred]
    brief = evaluate_files(gt_path, _write_jsonl(tmp_path / "s.jsonl", saliency_only))["brief"]
    assert "HL-min-Good-Hit1" in brief and not any(k.startswith("MR") for k in brief)


def test_another_systems_predictions_are_stored_into_a_warehouse(tmp_path):
    from vtr.warehouse import open_warehouse

    root = tmp_path / "wh"
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    added = runner.invoke(app, ["add-dataset", str(root), "qvh", "--annotations", str(GT)])
    assert added.exit_code == 0, added.output
    base = ["metrics", "moments", str(GT), str(PRED), "--json"]
    stored = runner.invoke(app, [*base, "--into", str(root), "--dataset", "qvh",
                                 "--name", "Moment-DETR sample"])  # fmt: skip
    assert stored.exit_code == 0, stored.output
    out = json.loads(stored.stdout)
    plain = json.loads(runner.invoke(app, base).stdout)
    assert out["label"] == "Moment-DETR sample"
    assert out["brief"] == pytest.approx(plain["brief"], rel=1e-12)
    with open_warehouse(root, read_only=True) as wh:
        (row,) = wh.rows("reports/moment_prediction_sets", {"pred_ids": [out["pred_id"]]})
    assert row["source"] == "Moment-DETR sample"
    report = runner.invoke(app, ["report-moments", str(root), "--pred", str(out["pred_id"]),
                                 "--out", str(tmp_path / "r")])  # fmt: skip
    assert report.exit_code == 0, report.output
    assert "Moment-DETR sample" in (tmp_path / "r" / "report.md").read_text("utf-8")
    missing = runner.invoke(app, [*base, "--into", str(root), "--name", "x"])
    assert missing.exit_code != 0 and "--into needs --dataset and --name" in missing.output
