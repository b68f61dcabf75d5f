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
