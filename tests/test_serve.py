"""`vtr serve` through Starlette's test client: every page's JSON against the catalog,
the HTML, thumbnails, free-text search, and probes of every parameter (injection,
traversal, bad values)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from serve_warehouse import BACKBONE, MINILM, TEXT, VIDEO, build_serve_warehouse, catalog_rows
from starlette.testclient import TestClient

from vtr.serve import create_app
from vtr.serve.embed import why_not
from vtr.serve.thumbs import thumb_file
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import retrieval_metrics


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    info = build_serve_warehouse(tmp_path_factory.mktemp("serve"))
    info["client"] = TestClient(create_app(info["root"]))
    return info


def unique_caption(served):
    """A caption whose text no other caption has: (caption_id, video_id, text)."""
    texts = Counter(row[0] for row in catalog_rows(served["root"], "SELECT text FROM captions"))
    chosen = [c for c in served["captions"] if texts[c[2]] == 1]
    return max(chosen, key=lambda c: len(c[2]))


def test_home_lists_datasets_variants_and_evaluations(served):
    data = served["client"].get("/api/").json()
    assert [d["dataset"] for d in data["datasets"]] == ["synth"]
    assert data["datasets"][0]["n_videos"] == 16
    assert {v["variant_id"] for v in data["variants"]} == {TEXT, MINILM, VIDEO}
    provenance = {v["variant_id"]: v["weights"] for v in data["variants"]}
    assert provenance[TEXT] == "random init (seed 0)"
    evals = {e["eval_id"]: e for e in data["evals"]}
    assert evals[served["reranked"]]["rerank"] == "dual-softmax*"
    assert evals[served["plain"]]["search_kind"] == "exact"
    assert evals[served["plain"]]["coverage"] == "full"
    truth = retrieval_metrics(open_warehouse(served["root"], read_only=True), served["plain"])
    assert evals[served["plain"]]["t2v_r1"] == pytest.approx(truth["t2v"]["R@1"])
    html = served["client"].get("/").text
    assert f'href="/evals/{served["plain"]}"' in html and "random init (seed 0)" in html


def test_evaluation_metrics_queries_and_neighbours(served):
    eid = served["plain"]
    data = served["client"].get(f"/api/evals/{eid}", params={"limit": 200}).json()
    with open_warehouse(served["root"], read_only=True) as wh:
        truth = retrieval_metrics(wh, eid)
    shown = {m["direction"]: m for m in data["metrics"]}
    for direction in ("t2v", "v2t"):
        assert shown[direction]["r1"] == pytest.approx(truth[direction]["R@1"])
        assert shown[direction]["mrr"] == pytest.approx(truth[direction]["MRR"])
    ranks = dict(
        catalog_rows(
            served["root"],
            "SELECT query_id, rank FROM ranks WHERE eval_id = ? AND direction = 't2v'",
            [eid],
        )
    )
    assert data["n_matching"] == len(ranks) == len(data["queries"])
    assert [q["rank"] for q in data["queries"]] == sorted(ranks.values())
    for query in data["queries"]:
        assert query["rank"] == ranks[query["query_id"]]
        assert len(query["top"]) == 10
        gt = [n["position"] for n in query["top"] if n["is_gt"]]
        assert gt == ([int(query["rank"])] if query["rank"] <= 10 else [])
        assert all(n["target_id"] == query["video_id"] for n in query["top"] if n["is_gt"])
    assert data["best"][0]["rank"] == min(ranks.values())
    assert data["worst"][0]["rank"] == max(ranks.values())
    assert {m["grouping"] for m in data["by_category"]} == {"category"}


def test_evaluation_filters_and_pages(served):
    eid, client = served["plain"], served["client"]
    everything = client.get(f"/api/evals/{eid}", params={"limit": 200}).json()["queries"]
    category = everything[0]["category"]
    category_id = next(
        c["category_id"]
        for c in client.get(f"/api/evals/{eid}").json()["categories"]
        if c["name"] == category
    )
    kept = client.get(f"/api/evals/{eid}", params={"category": category_id, "limit": 200}).json()
    assert kept["queries"] and {q["category"] for q in kept["queries"]} == {category}
    assert kept["n_matching"] == sum(q["category"] == category for q in everything)
    words = client.get(f"/api/evals/{eid}", params={"min_words": 6, "max_words": 9}).json()
    assert words["n_matching"] == sum(6 <= q["n_words"] <= 9 for q in everything)
    ranked = client.get(f"/api/evals/{eid}", params={"min_rank": 2, "max_rank": 5}).json()
    assert ranked["n_matching"] == sum(2 <= q["rank"] <= 5 for q in everything)
    worst = client.get(f"/api/evals/{eid}", params={"order": "worst", "limit": 200}).json()
    assert [q["rank"] for q in worst["queries"]] == sorted(
        (q["rank"] for q in everything), reverse=True
    )
    pages = [
        client.get(f"/api/evals/{eid}", params={"limit": 7, "offset": o}).json()["queries"]
        for o in range(0, len(everything), 7)
    ]
    assert [q["query_id"] for page in pages for q in page] == [q["query_id"] for q in everything]
    v2t = client.get(f"/api/evals/{eid}", params={"direction": "v2t"}).json()
    assert v2t["queries"][0]["query_text"] is None and v2t["queries"][0]["top"][0]["target_text"]
    html = client.get(f"/evals/{eid}", params={"limit": 5}).text
    assert 'id="next"' in html and "/thumbs/synth/" in html


def test_compare_finds_the_queries_that_moved_most(served):
    a, b = served["plain"], served["reranked"]
    data = served["client"].get("/api/compare", params={"a": a, "b": b, "n": 3}).json()
    sql = "SELECT query_id, rank FROM ranks WHERE eval_id = ? AND direction = 't2v'"
    rank_a = dict(catalog_rows(served["root"], sql, [a]))
    rank_b = dict(catalog_rows(served["root"], sql, [b]))
    moves = {q: rank_b[q] - rank_a[q] for q in rank_a}
    for row in data["improved"] + data["worse"]:
        assert row["move"] == moves[row["query_id"]] == row["rank_b"] - row["rank_a"]
        assert len(row["top_a"]) == len(row["top_b"]) == 10
    assert len(data["improved"]) == min(3, sum(m < 0 for m in moves.values()))
    assert len(data["worse"]) == min(3, sum(m > 0 for m in moves.values()))
    if data["improved"]:
        assert data["improved"][0]["move"] == min(moves.values())
    if data["worse"]:
        assert data["worse"][0]["move"] == max(moves.values())
    assert "Compare two evaluations" in served["client"].get("/compare").text


def test_search_an_exact_caption_finds_its_video(served):
    caption_id, video_id, text = unique_caption(served)
    for variant in (TEXT, MINILM):
        params = {"q": text, "text": variant, "target": "captions", "k": 5}
        data = served["client"].get("/api/search", params=params).json()
        assert data["message"] is None
        assert data["hits"][0]["video_id"] == video_id
        assert data["hits"][0]["caption"] == text
        assert data["hits"][0]["score"] == pytest.approx(1.0, abs=1e-4)
    html = served["client"].get("/search", params={"q": text, "target": "captions"}).text
    assert f'href="/videos/synth/{video_id}"' in html


def test_search_videos_scores_are_the_stored_caption_against_every_video(served):
    """Embedding the exact caption reproduces ingest's vector: the video scores equal the
    stored caption vector's cosine with each stored video vector."""
    caption_id, _, text = unique_caption(served)
    with open_warehouse(served["root"], read_only=True) as wh:
        table = lambda v: wh.rows("serve/search_variants")  # noqa: E731
        tables = {r["variant_id"]: r["lance_table"] for r in table(None)}
        _, caption = wh.vectors.read(tables[TEXT], "synth", [caption_id])
        ids, videos = wh.vectors.read(tables[VIDEO], "synth")
    scores = (videos / np.linalg.norm(videos, axis=1, keepdims=True)) @ (
        caption[0] / np.linalg.norm(caption[0])
    )
    data = served["client"].get("/api/search", params={"q": text, "k": 16}).json()
    assert [h["video_id"] for h in data["hits"]] == [
        ids[i] for i in np.argsort(-scores, kind="stable")
    ]
    assert [h["score"] for h in data["hits"]] == pytest.approx(
        sorted(scores, reverse=True), abs=1e-4
    )


def test_search_says_why_it_cannot_embed(served):
    minilm_against_video = {"q": "a red circle", "text": MINILM, "video": VIDEO}
    data = served["client"].get("/api/search", params=minilm_against_video).json()
    assert data["hits"] == [] and "384 dimensions" in data["message"]
    trained = {"variant_id": "text/x", "modality": "text", "backbone": BACKBONE, "head_run": "4"}
    assert "training run 4" in why_not(trained)
    other = {"variant_id": "text/lm:q/final/embed", "modality": "text", "backbone": "lm:q"}
    assert "cannot embed new text" in why_not(other)


def test_video_page_shows_captions_with_their_ranks(served):
    caption_id, video_id, text = unique_caption(served)
    data = served["client"].get(f"/api/videos/synth/{video_id}").json()
    assert data["video"]["video_id"] == video_id
    captions = {c["caption_id"]: c for c in data["captions"]}
    assert captions[caption_id]["text"] == text
    sql = "SELECT eval_id, rank FROM ranks WHERE direction = 't2v' AND query_id = ? ORDER BY 1"
    truth = catalog_rows(served["root"], sql, [caption_id])
    assert [(r["eval_id"], r["rank"]) for r in captions[caption_id]["ranks"]] == truth


def test_thumbnails_are_decoded_once_and_cached_in_the_warehouse(served):
    root, client = served["root"], served["client"]
    video_id = served["captions"][0][1]
    response = client.get(f"/thumbs/synth/{video_id}")
    assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"
    cached = thumb_file(root, "synth", video_id)
    assert cached.is_file() and cached.parent.parent.parent == root
    cached.write_bytes(b"\x89PNG\r\n\x1a\nfrom the cache")  # not decoded again
    assert client.get(f"/thumbs/synth/{video_id}").content.endswith(b"from the cache")
    cached.unlink()
    assert client.get("/thumbs/synth/no-such-video").status_code == 404


PROBES = [
    "1 OR 1=1",
    "'; DROP TABLE evals; --",
    "1); DROP TABLE evals; --",
    "../../catalog.duckdb",
    "/etc/passwd",
    "%00",
    "-1",
]


def _pages(served):
    return {
        f"/api/evals/{served['plain']}": ["direction", "category", "min_words", "max_words",
                                          "min_rank", "max_rank", "order", "limit", "offset"],
        "/api/compare": ["a", "b", "direction", "n"],
        "/api/search": ["text", "video", "dataset", "target", "k"],
        "/api/moments": ["dataset", "pred", "qid", "offset"],
        "/api/steps": ["dataset", "video", "text", "clips"],
    }  # fmt: skip


def test_injection_probes_on_every_parameter_are_refused(served):
    client, root = served["client"], served["root"]
    before = catalog_rows(root, "SELECT count(*) FROM evals")
    extra = {"/api/compare": {"a": served["plain"], "b": served["reranked"]}}
    for path, names in _pages(served).items():
        for name in names:
            for probe in PROBES:
                params = {**extra.get(path, {}), name: probe}
                response = client.get(path, params=params)
                assert response.status_code in (400, 404), (path, name, probe, response.text)
                assert "error" in response.json() and "Traceback" not in response.text
    # the free-text query is text to embed, never SQL: it is answered, and nothing changes
    for probe in PROBES:
        assert client.get("/api/search", params={"q": probe}).status_code == 200
    assert catalog_rows(root, "SELECT count(*) FROM evals") == before
    for path in ("/sql", "/api/sql", "/query", "/api/query", "/-/sql"):
        assert client.get(path, params={"sql": "SELECT 1"}).status_code == 404


def test_paths_come_from_the_catalog_never_from_the_request(served):
    client, root = served["client"], served["root"]
    secret = root.parent / "secret.txt"
    secret.write_text("not for the browser")
    probes = [
        "/thumbs/synth/..%2F..%2Fsecret.txt",
        "/thumbs/synth/../../secret.txt",
        f"/thumbs/synth/{secret}",
        f"/thumbs/synth/%2F{str(secret).lstrip('/')}",
        "/thumbs/..%2F..%2F/video0",
        "/static/..%2F..%2Fcatalog.duckdb",
        "/static/%2e%2e/app.py",
        "/static/../app.py",
        f"/static/{secret}",
        "/videos/synth/..%2F..%2Fcatalog.duckdb",
        f"/api/videos/synth/{secret}",
        "/api/videos/..%2F/video0",
    ]
    for probe in probes:
        response = client.get(probe)
        assert response.status_code == 404, (probe, response.status_code)
        assert b"not for the browser" not in response.content
        assert b"DUCK" not in response.content[:64]
    assert client.get("/static/style.css").status_code == 200


def test_each_request_leaves_the_catalog_free_for_a_writer(served):
    assert served["client"].get(f"/api/evals/{served['plain']}").status_code == 200
    writer = (
        "import sys; from vtr.warehouse import open_warehouse; open_warehouse(sys.argv[1]).close()"
    )
    done = subprocess.run([sys.executable, "-c", writer, str(served["root"])], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_unknown_items_are_404_pages_that_say_what(served):
    client = served["client"]
    response = client.get("/evals/999")
    assert response.status_code == 404 and "no evaluation 999" in response.text
    response = client.get("/api/evals/99999999999")
    assert response.status_code == 404
    assert client.get("/api/videos/synth/nope").json()["error"] == (
        "no video 'nope' in dataset 'synth'"
    )
    assert client.get("/api/compare", params={"a": 1, "b": 999}).status_code == 404


def test_moments_and_steps_pages_say_there_is_nothing_to_show(served):
    assert "no moment queries" in served["client"].get("/moments").text
    assert served["client"].get("/api/moments").json()["dataset"] is None
    assert "no step annotations" in served["client"].get("/steps").text


def test_cli_refuses_a_folder_that_is_not_a_warehouse(tmp_path):
    from typer.testing import CliRunner

    from vtr.cli.app import app

    result = CliRunner().invoke(app, ["serve", str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert "is not a vtr warehouse" in result.output and "Traceback" not in result.output


def test_a_request_while_a_writer_holds_the_catalog_is_a_503_naming_it(served):
    holder = (
        "import sys; from vtr.warehouse import open_warehouse; "
        "wh = open_warehouse(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(served["root"])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        response = served["client"].get("/api/")
        assert response.status_code == 503
        assert str(process.pid) in response.json()["error"]
        assert served["client"].get("/").status_code == 503
    finally:
        process.communicate("", timeout=30)
    assert served["client"].get("/api/").status_code == 200


def test_a_video_file_gone_from_disk_is_a_422_that_names_it(served):
    root, client = served["root"], served["client"]
    video_id = served["captions"][-1][1]
    (path,) = catalog_rows(root, "SELECT path FROM videos WHERE video_id = ?", [video_id])[0]
    moved = path + ".away"
    thumb_file(root, "synth", video_id).unlink(missing_ok=True)
    os.rename(path, moved)
    try:
        response = client.get(f"/api/videos/synth/{video_id}")
        assert response.status_code == 200  # the page does not need the file
        response = client.get(f"/thumbs/synth/{video_id}")
        assert response.status_code == 422 and "video file not found" in response.text
        assert not thumb_file(root, "synth", video_id).exists()  # nothing half-written
    finally:
        os.rename(moved, path)
    assert client.get(f"/thumbs/synth/{video_id}").status_code == 200
