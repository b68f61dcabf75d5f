"""Bad inputs to the metric commands: a clear error naming the item, never a traceback."""

from pathlib import Path

import pytest

from vtr.cli.eval_cmds import _load_npy
from vtr.errors import EvalInputError, PredictionError
from vtr.warehouse.moment_evals import evaluate_files, predictions_from_records


def test_empty_npy_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "sim.npy"
    path.write_bytes(b"")
    with pytest.raises(EvalInputError, match="sim.npy is not a readable .npy array"):
        _load_npy(path, "similarity matrix")


def test_windows_not_a_list() -> None:
    with pytest.raises(PredictionError, match="'pred_relevant_windows' must be a list"):
        predictions_from_records([{"qid": 1, "pred_relevant_windows": 5}])


def test_reversed_window() -> None:
    with pytest.raises(PredictionError, match="reversed"):
        predictions_from_records([{"qid": 1, "pred_relevant_windows": [[4, 2, 0.9]]}])


def test_partial_saliency_names_first_record_without() -> None:
    records = [
        {"qid": 1, "pred_saliency_scores": [0.1]},
        {"qid": 2},
        {"qid": 3, "pred_saliency_scores": [0.2]},
    ]
    with pytest.raises(PredictionError, match=r"qid 2.*pred_saliency_scores"):
        predictions_from_records(records)
    with pytest.raises(PredictionError, match=r"prediction 0 \(qid 7\)"):
        predictions_from_records([{"qid": 7}, {"qid": 8, "pred_saliency_scores": [0.3]}])


@pytest.mark.parametrize("clip_len", [0.0, -2.0])
def test_clip_len_must_be_positive(tmp_path: Path, clip_len: float) -> None:
    with pytest.raises(PredictionError, match="--clip-len must be a positive"):
        evaluate_files(tmp_path / "gt.jsonl", tmp_path / "pred.jsonl", clip_len=clip_len)


def _gt(path: Path) -> Path:
    import json

    rows = [
        {"qid": 1, "query": "a", "vid": "v1", "duration": 20, "relevant_windows": [[0, 4]],
         "relevant_clip_ids": [0, 1], "saliency_scores": [[4, 4, 4], [2, 2, 2]]},
        {"qid": 2, "query": "b", "vid": "v2", "duration": 20, "relevant_windows": [[6, 8]],
         "relevant_clip_ids": [3], "saliency_scores": [[3, 3, 3]]},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_documented_differences_empty_windows_duplicates_and_empty_buckets(tmp_path: Path) -> None:
    import json

    gt = _gt(tmp_path / "gt.jsonl")
    preds = [
        {"qid": 1, "pred_relevant_windows": [[0, 4, 0.9]], "pred_saliency_scores": [1] * 10},
        {"qid": 2, "pred_relevant_windows": [], "pred_saliency_scores": [1] * 10},
    ]
    path = tmp_path / "pred.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in preds))
    metrics = evaluate_files(gt, path)
    # qid 2's empty window list is a miss in R1 and mAP alike; its saliency counts
    assert metrics["brief"]["MR-full-R1@0.5"] == 50.0
    assert metrics["full"]["MR-mAP"]["0.5"] == 50.0
    assert "HL-min-Fair" in metrics
    assert "short" in metrics and "middle" not in metrics and "long" not in metrics
    path.write_text("".join(json.dumps(r) + "\n" for r in [*preds, preds[0]]))
    with pytest.raises(PredictionError, match="qid 1 is predicted twice"):
        evaluate_files(gt, path)
