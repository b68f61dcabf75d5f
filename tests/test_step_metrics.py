"""Step grounding metrics (SQL) against hand-computed values and a numpy reference."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import AnnotationError, EvalInputError
from vtr.ingest.steps import load_steps
from vtr.warehouse.step_evals import (
    prediction_table,
    step_metrics,
    step_metrics_from_files,
    truth_table,
)


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


GT = [
    {"qid": "a", "video": "v1", "query": "crack the eggs", "start": 0, "end": 10},
    {"qid": "b", "video": "v1", "query": "whisk", "start": 10, "end": 20},
    {"qid": "c", "video": "v 'ü'", "query": "pour", "start": 5, "end": 15},
    {"qid": "d", "video": "v 'ü'", "query": "serve", "start": 30, "end": 40},
]
PRED = [
    {"qid": "a", "pred_windows": [[0, 8, 0.9], [20, 30, 0.1]]},  # top-1 IoU 0.8
    {"qid": "b", "pred_windows": [[0, 4, 0.9], [14, 20, 0.5], [12, 20, 0.4]]},  # 0.0; 0.6, 0.8
    {"qid": "c", "pred_windows": [[10, 20, 0.7]]},  # IoU 5 / 15 = 1/3
    # d: no prediction
]


def test_hand_computed(tmp_path):
    gt = write_jsonl(tmp_path / "gt.jsonl", GT)
    pred = write_jsonl(tmp_path / "pred.jsonl", PRED)
    got = step_metrics_from_files(gt, pred)
    assert got == pytest.approx(
        {
            "R1@0.3": 50.0,  # a, c
            "R1@0.5": 25.0,  # a
            "R5@0.3": 75.0,  # a, b, c
            "R5@0.5": 50.0,  # a, b
            "mIoU": 100 * (0.8 + 0.0 + 1 / 3 + 0.0) / 4,
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_matches_numpy_reference(seed):
    rng = np.random.default_rng(seed)
    n = 200
    start = rng.uniform(0, 100, n)
    end = start + rng.uniform(1, 30, n)
    truth = [type("R", (), {"qid": str(i), "start": start[i], "end": end[i]})() for i in range(n)]
    preds, ious = [], []
    for i in range(n):
        k = int(rng.integers(0, 8))
        s = rng.uniform(0, 100, k)
        e = s + rng.uniform(0.5, 30, k)
        preds.append(
            (
                f"p{i}",
                {"qid": str(i), "pred_windows": [[a, b, 1.0] for a, b in zip(s, e, strict=True)]},
            )
        )
        inter = np.maximum(0, np.minimum(e, end[i]) - np.maximum(s, start[i]))
        ious.append(inter / (np.maximum(e, end[i]) - np.minimum(s, start[i])))
    got = step_metrics(truth_table(truth), prediction_table(preds))

    def rate(k, t):
        return 100 * np.mean([len(x) > 0 and (x[:k] > t).any() for x in ious])

    want = {
        "R1@0.3": rate(1, 0.3),
        "R1@0.5": rate(1, 0.5),
        "R5@0.3": rate(5, 0.3),
        "R5@0.5": rate(5, 0.5),
        "mIoU": 100 * np.mean([x[0] if len(x) else 0.0 for x in ious]),
    }
    assert got == pytest.approx(want, abs=1e-9)


def test_loaders_agree_and_order_steps(tmp_path):
    goalstep = tmp_path / "goalstep.json"
    goalstep.write_text(
        json.dumps(
            {
                "videos": [
                    {
                        "video_uid": "v1",
                        "segments": [
                            {
                                "start_time": 10,
                                "end_time": 20,
                                "step_description": "whisk",
                                "segments": [{"start_time": 11, "end_time": 12}],
                            },
                            {"start_time": 0, "end_time": 10, "step_description": "crack"},
                        ],
                    }
                ]
            }
        )
    )
    csv_file = tmp_path / "steps.csv"
    csv_file.write_text(
        'video_id,step_index,start,end,description\nv1,1,10,20,whisk\nv1,0,0,10,"crack, then"\n'
    )
    for rows in (load_steps(goalstep), load_steps(csv_file)):
        assert [(r.video, r.step_index, r.start, r.end) for r in rows] == [
            ("v1", 0, 0.0, 10.0),
            ("v1", 1, 10.0, 20.0),
        ]
    jsonl = load_steps(write_jsonl(tmp_path / "gt.jsonl", GT))
    assert [(r.qid, r.step_index) for r in jsonl] == [("a", 0), ("b", 1), ("c", 0), ("d", 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"qid": "a", "video": "v", "query": "x", "start": 0}\n', r"gt.jsonl:1: missing field"),
        ('\n{"qid": "a", "video": "v", "query": "x", "start": 5, "end": 2}\n', r":2: bad window"),
        ("{not json\n", r":1: not valid JSON"),
        (
            '{"qid": "a", "video": "v", "query": "x", "start": 0, "end": 1}\n' * 2,
            r":2: qid 'a' repeats .*:1",
        ),
    ],
)
def test_bad_annotations_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "gt.jsonl"
    path.write_text(text)
    with pytest.raises(AnnotationError, match=message):
        load_steps(path)


def test_bad_predictions(tmp_path):
    gt = write_jsonl(tmp_path / "gt.jsonl", GT)
    bad = write_jsonl(tmp_path / "p.jsonl", [{"qid": "a", "pred_windows": [[5, 1, 0.3]]}])
    with pytest.raises(AnnotationError, match=r"p.jsonl:1: pred_windows\[0\]"):
        step_metrics_from_files(gt, bad)
    other = write_jsonl(tmp_path / "o.jsonl", [{"qid": "zz", "pred_windows": [[0, 1, 0.5]]}])
    with pytest.raises(EvalInputError, match="not in the ground truth"):
        step_metrics_from_files(gt, other)


def test_cli(tmp_path):
    gt = write_jsonl(tmp_path / "gt.jsonl", GT)
    pred = write_jsonl(tmp_path / "pred.jsonl", PRED)
    result = CliRunner().invoke(app, ["metrics", "steps", str(gt), str(pred), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["R5@0.3"] == 75.0
    missing = CliRunner().invoke(app, ["metrics", "steps", str(tmp_path / "no.jsonl"), str(pred)])
    assert missing.exit_code == 1 and "cannot read" in missing.output


def _ego4d_reference(gt: list[dict], pred: list[dict]) -> dict[str, float]:
    """The Ego4D NLQ evaluation's averaging, restated: every received prediction is one
    instance; R@k at IoU > t over the instances, mIoU the mean top-1 IoU."""
    truth = {g["qid"]: (g["start"], g["end"]) for g in gt}
    hits = {key: [] for key in ("R1@0.3", "R1@0.5", "R5@0.3", "R5@0.5")}
    top1 = []
    for record in pred:
        s0, e0 = truth[record["qid"]]
        ious = [
            max(0.0, min(e, e0) - max(s, s0)) / (max(e, e0) - min(s, s0))
            for s, e, _ in record["pred_windows"]
        ]
        top1.append(ious[0])
        for k in (1, 5):
            for t in (0.3, 0.5):
                hits[f"R{k}@{t}"].append(any(iou > t for iou in ious[:k]))
    out = {key: 100 * float(np.mean(v)) for key, v in hits.items()}
    return {**out, "mIoU": 100 * float(np.mean(top1))}


def test_ego4d_protocol_averages_over_the_predictions_it_receives(tmp_path):
    gt = write_jsonl(tmp_path / "gt.jsonl", GT)
    pred = write_jsonl(tmp_path / "pred.jsonl", PRED)
    got = step_metrics_from_files(gt, pred, protocol="ego4d")
    assert got == pytest.approx(_ego4d_reference(GT, PRED))
    assert got["R1@0.3"] == pytest.approx(100 * 2 / 3)  # a, c of the 3 predicted steps
    with pytest.raises(EvalInputError, match="unknown step protocol 'nlq'"):
        step_metrics_from_files(gt, pred, protocol="nlq")
    runner = CliRunner()
    base = ["metrics", "steps", str(gt), str(pred)]
    shown = runner.invoke(app, base)
    assert shown.exit_code == 0 and "evaluated 4 of 4 steps (3 with predictions)" in shown.output
    ego = json.loads(runner.invoke(app, [*base, "--protocol", "ego4d", "--json"]).stdout)
    assert (ego["evaluated"], ego["steps"], ego["protocol"]) == (3, 4, "ego4d")
    assert ego["R1@0.3"] == pytest.approx(got["R1@0.3"])


def test_boolean_window_values_are_refused(tmp_path):
    gt = write_jsonl(tmp_path / "gt.jsonl", GT)
    pred = write_jsonl(tmp_path / "pred.jsonl", [{"qid": "a", "pred_windows": [[True, 4, 0.9]]}])
    with pytest.raises(
        AnnotationError, match=r"pred_windows\[0\] \[true, 4, 0.9\]|\[True, 4, 0.9\]"
    ):
        step_metrics_from_files(gt, pred)
