"""The moments and steps pages of `vtr serve` on synthetic moment and step datasets:
their JSON against the catalog and the step predictor, their SVG, and probes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from serve_warehouse import CLIPS, TEXT, build_timeline_warehouse
from serve_warehouse import catalog_rows as rows
from starlette.testclient import TestClient

from vtr.serve import create_app
from vtr.warehouse import open_warehouse


@pytest.fixture(scope="module")
def timelines(tmp_path_factory):
    info = build_timeline_warehouse(tmp_path_factory.mktemp("timelines"))
    info["client"] = TestClient(create_app(info["root"]))
    return info


def test_moments_page_shows_a_predicted_query_with_its_windows_and_curves(timelines):
    root, client = timelines["root"], timelines["client"]
    pred = timelines["predicted"]["pred_id"]
    data = client.get("/api/moments").json()
    assert data["dataset"] == "m" and data["pred"] == pred
    assert data["n_queries"] == rows(root, "SELECT count(*) FROM moment_queries")[0][0]
    focus = data["focus"]  # the first query the set answers
    assert data["queries"][0]["predicted"] and focus["qid"] == data["queries"][0]["qid"]
    sql = "SELECT start_s, end_s FROM moment_windows WHERE qid = ? ORDER BY window_idx"
    truth = rows(root, sql, [focus["qid"]])
    assert [(w["start_s"], w["end_s"]) for w in focus["windows"]] == truth
    sql = "SELECT start_s, end_s FROM moment_pred_windows WHERE pred_id = ? AND qid = ? "
    predicted = rows(root, sql + "ORDER BY rank LIMIT 5", [pred, focus["qid"]])
    assert [(w["start_s"], w["end_s"]) for w in focus["predicted"]] == predicted
    assert len(focus["saliency"]) == int(focus["duration"] // 2)
    scores = dict(
        rows(
            root,
            "SELECT clip_idx, score FROM moment_pred_saliency WHERE pred_id = ? AND qid = ?",
            [pred, focus["qid"]],
        )
    )
    assert [c["predicted"] for c in focus["saliency"]] == pytest.approx(
        [scores.get(c["clip_idx"]) for c in focus["saliency"]]
    )
    html = client.get("/moments").text
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('fill="#2a9d4a"') == len(truth)  # one green box per truth window
    assert svg.count('fill="#3465a4"') == len(predicted)
    assert svg.count("<polyline") == 2  # annotated and predicted saliency
    other = data["queries"][-1]["qid"]
    chosen = client.get("/api/moments", params={"qid": other}).json()["focus"]
    assert chosen["qid"] == other


def test_steps_page_draws_the_similarity_of_each_step_with_each_chunk(timelines):
    from vtr.models.step_data import load_step_videos
    from vtr.models.step_predict import predict_video, similarity

    root, client = timelines["root"], timelines["client"]
    data = client.get("/api/steps").json()
    assert data["dataset"] == "steps" and data["text"] == TEXT and data["clips"] == CLIPS
    video_id = data["videos"][1]["video_id"]
    data = client.get("/api/steps", params={"video": video_id}).json()
    with open_warehouse(root, read_only=True) as wh:
        (video,) = [
            v for v in load_step_videos(wh, "steps", None, TEXT, CLIPS) if v.video_id == video_id
        ]
    focus = data["focus"]
    assert np.allclose(focus["similarity"], similarity(video), atol=1e-4)
    assert [s["qid"] for s in focus["steps"]] == video.qids
    dp = predict_video(video, "dp")
    assert [s["dp"] for s in focus["steps"]] == [r["pred_windows"][0][:2] for r in dp]
    assert [s["window"] for s in focus["steps"]] == video.windows.tolist()
    html = client.get("/steps", params={"video": video_id}).text
    svg = html[html.index("<svg") : html.index("</svg>")]
    n_cells = len(video.qids) * len(video.chunk_ids)
    assert len(re.findall(r"<rect [^>]*fill=\"#[0-9a-f]{6}\"", svg)) == n_cells
    assert svg.count('stroke="#ffffff"') == len(video.qids)


@pytest.mark.parametrize(
    "params",
    [
        {"qid": "1 OR 1=1"},
        {"qid": "99999"},
        {"pred": "'; DROP TABLE moment_predictions; --"},
        {"pred": "999"},
        {"dataset": "m' OR '1'='1"},
        {"dataset": "../m"},
        {"offset": "-1"},
    ],
)
def test_moment_probes_are_refused(timelines, params):
    response = timelines["client"].get("/api/moments", params=params)
    assert response.status_code in (400, 404) and response.json()["error"]


@pytest.mark.parametrize(
    "params",
    [
        {"video": "svid0000' OR '1'='1"},
        {"video": "../../catalog.duckdb"},
        {"text": "text/x; DROP TABLE steps"},
        {"clips": TEXT},
        {"dataset": "/etc/passwd"},
    ],
)
def test_step_probes_are_refused(timelines, params):
    response = timelines["client"].get("/api/steps", params=params)
    assert response.status_code in (400, 404) and response.json()["error"]
    assert rows(timelines["root"], "SELECT count(*) FROM steps")[0][0] > 0
