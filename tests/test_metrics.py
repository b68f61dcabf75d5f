"""SQL retrieval metrics vs an independent numpy reference (CLIP4Clip definitions)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from tiny import (
    TEXT,
    VIDEO,
    VIDEO_SMALL,
    assert_metrics_close,
    reference_metrics,
    summarise,
    tiny_reference,
)
from typer.testing import CliRunner

from vtr.cli.eval_cmds import register
from vtr.errors import EvalInputError, UnknownDataset, UnknownEval
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import (
    get_eval,
    list_evals,
    metrics_by_category,
    metrics_by_length,
    metrics_for_similarity,
    retrieval_metrics,
    run_eval,
)
from vtr.warehouse.metric_defs import metric_names

# ---------------------------------------------------------------- similarity matrices


@pytest.mark.parametrize("seed", [0, 1])
def test_square_matrix_matches_reference(seed):
    rng = np.random.default_rng(seed)
    sim = rng.normal(size=(60, 60)) + 2.0 * np.eye(60)
    got = metrics_for_similarity(sim)
    assert_metrics_close(got, reference_metrics(sim, np.arange(60)))
    assert got["t2v"]["mAP"] == pytest.approx(got["t2v"]["MRR"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multi_caption_matrix_matches_reference(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 8, size=50)
    gt = rng.permutation(np.repeat(np.arange(50), counts))
    sim = rng.normal(size=(len(gt), 50))
    sim[np.arange(len(gt)), gt] += 1.5
    got = metrics_for_similarity(sim, gt)
    assert_metrics_close(got, reference_metrics(sim, gt))
    assert got["v2t"]["mAP"] != pytest.approx(got["v2t"]["MRR"])


def test_golden_3x3_by_hand():
    sim = np.array([[0.9, 0.1, 0.5], [0.8, 0.7, 0.3], [0.2, 0.6, 0.4]])
    # t2v ranks: 1, 2 (0.8 > 0.7), 2 (0.6 > 0.4); v2t ranks: 1, 1, 2 (0.5 > 0.4)
    want = {
        "t2v": {"R@1": 100 / 3, "R@5": 100.0, "R@10": 100.0, "MedR": 2.0, "MeanR": 5 / 3},
        "v2t": {"R@1": 200 / 3, "R@5": 100.0, "R@10": 100.0, "MedR": 1.0, "MeanR": 4 / 3},
    }
    want["t2v"]["MRR"] = want["t2v"]["mAP"] = (1 + 1 / 2 + 1 / 2) / 3
    want["v2t"]["MRR"] = want["v2t"]["mAP"] = (1 + 1 + 1 / 2) / 3
    assert_metrics_close(metrics_for_similarity(sim), want)


def test_golden_two_captions_per_video_by_hand():
    sim = np.array([[0.9, 0.2], [0.3, 0.8], [0.5, 0.6], [0.7, 0.1]])
    gt = np.array([0, 0, 1, 1])
    # t2v ranks 1, 2, 1, 2. v2t set scores: video 0 column: own max(.9,.3)=.9 vs .7 -> 1;
    # video 1 column: own max(.6,.1)=.6 vs .8 -> 2. v2t AP: video 0 own captions rank 1 and 4
    # -> (1/1 + 2/4) / 2 = .75; video 1 own captions rank 2 and 4 -> (1/2 + 2/4) / 2 = .5.
    half = {"R@1": 50.0, "R@5": 100.0, "R@10": 100.0, "MedR": 1.5, "MeanR": 1.5, "MRR": 0.75}
    want = {"t2v": {**half, "mAP": 0.75}, "v2t": {**half, "mAP": 0.625}}
    assert_metrics_close(metrics_for_similarity(sim, gt), want)


def test_similarity_metrics_refuse_bad_shapes():
    with pytest.raises(EvalInputError, match="not square"):
        metrics_for_similarity(np.ones((3, 4)))
    with pytest.raises(EvalInputError, match="one video index per text"):
        metrics_for_similarity(np.ones((3, 4)), np.array([0, 1]))


def test_run_eval_end_to_end_matches_reference(tiny):
    root, data = tiny
    with open_warehouse(root) as wh:
        eval_id = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id, k=3, chunk=4)
        got = retrieval_metrics(wh, eval_id)
        row = get_eval(wh, eval_id)
        n_neighbours = wh.con.execute(
            "SELECT direction, count(*) FROM neighbours WHERE eval_id = ? GROUP BY ALL ORDER BY 1",
            [eval_id],
        ).fetchall()
        top1 = wh.con.execute(
            "SELECT query_id, target_id FROM neighbours "
            "WHERE eval_id = ? AND direction = 't2v' AND position = 1 ORDER BY query_id",
            [eval_id],
        ).fetchall()
        samples = wh.con.execute(
            "SELECT matching, count(*) FROM score_samples WHERE eval_id = ? "
            "GROUP BY ALL ORDER BY 1",
            [eval_id],
        ).fetchall()
    ref = tiny_reference(data)
    assert_metrics_close(got, {d: summarise(r, ap) for d, (_, r, ap) in ref.items()})
    n_t, n_q = len(data["caption_ids"]), len(ref["v2t"][0])
    assert (row["dataset"], row["split"], row["search"], row["k"]) == ("tiny", "test", "exact", 3)
    assert (row["n_texts"], row["n_videos"]) == (n_t, 14)
    assert n_q == 13  # vid05 has no caption
    assert n_neighbours == [("t2v", n_t * 3), ("v2t", n_q * 3)]
    t = data["texts"] / np.linalg.norm(data["texts"], axis=1, keepdims=True)
    best = np.argmax(t @ data["videos"].T / np.linalg.norm(data["videos"], axis=1), axis=1)
    assert top1 == [
        (c, data["video_ids"][b]) for c, b in zip(data["caption_ids"], best, strict=True)
    ]
    assert samples == [(False, 2000), (True, n_t)]


def test_breakdowns_match_reference(tiny):
    root, data = tiny
    with open_warehouse(root) as wh:
        eval_id = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        by_category = metrics_by_category(wh, eval_id)
        by_length = metrics_by_length(wh, eval_id)
    ref = tiny_reference(data)
    names = {0: "music", 1: "sports", 2: "news", 3: "category 3", None: "(no category)"}
    video_category = np.array(data["category"], dtype=object)
    want = []
    for direction, (queries, ranks, ap) in ref.items():
        video_of_query = data["gt"][queries] if direction == "t2v" else queries
        cats = video_category[video_of_query]
        for cat in sorted(set(cats), key=lambda c: (c is None, c)):
            mask = np.array([c == cat for c in cats])
            want.append(
                {"direction": direction, "category_id": cat, "name": names[cat]}
                | {"n_queries": int(mask.sum())}
                | summarise(ranks[mask], ap[mask])
            )
    assert len(by_category) == len(want)
    for got_row, want_row in zip(by_category, want, strict=True):
        for key, value in want_row.items():
            assert got_row[key] == pytest.approx(value, abs=1e-6), (want_row["category_id"], key)

    _, ranks, ap = ref["t2v"]
    words = np.array(data["n_words"])
    buckets = [("1-10", words <= 10), ("11-20", (words > 10) & (words <= 20)), ("21+", words > 20)]
    want = [
        {"direction": "t2v", "bucket": name, "n_queries": int(m.sum())} | summarise(ranks[m], ap[m])
        for name, m in buckets
        if m.any()
    ]
    assert len(by_length) == len(want)
    for got_row, want_row in zip(by_length, want, strict=True):
        for key, value in want_row.items():
            assert got_row[key] == pytest.approx(value, abs=1e-6), (want_row["bucket"], key)


def test_run_eval_refuses_mismatched_inputs(tiny):
    root, _ = tiny
    with open_warehouse(root) as wh:
        with pytest.raises(EvalInputError, match=r"has dim 8 but video variant .* has dim 6"):
            run_eval(wh, "tiny", "test", TEXT.id, VIDEO_SMALL.id)
        with pytest.raises(EvalInputError, match="is a video variant"):
            run_eval(wh, "tiny", "test", VIDEO.id, VIDEO.id)
        with pytest.raises(EvalInputError, match="is a text variant"):
            run_eval(wh, "tiny", "test", TEXT.id, TEXT.id)
        with pytest.raises(EvalInputError, match=r"no videos in split 'val'; has: test \(14"):
            run_eval(wh, "tiny", "val", TEXT.id, VIDEO.id)
        with pytest.raises(UnknownDataset, match="'nope'.*'other', 'tiny'"):
            run_eval(wh, "nope", "test", TEXT.id, VIDEO.id)
        with pytest.raises(EvalInputError, match="split 'test' has 1 videos but no captions"):
            run_eval(wh, "other", "test", TEXT.id, VIDEO.id)
        with pytest.raises(UnknownEval, match="no evaluation with id 99"):
            retrieval_metrics(wh, 99)
        wh.con.execute(
            "INSERT INTO captions (dataset, caption_id, video_id, text, n_words) "
            "VALUES ('tiny', 'new', 'vid00', 'a caption not embedded yet', 5)"
        )
        with pytest.raises(EvalInputError, match=r"1 of 39 text items have no vector .*\['new'\]"):
            run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        assert list_evals(wh) == []  # nothing half-written


def test_run_eval_all_splits(tiny):
    root, data = tiny
    with open_warehouse(root) as wh:
        eval_id = run_eval(wh, "tiny", None, TEXT.id, VIDEO.id)
        assert get_eval(wh, eval_id)["n_videos"] == 17


# ---------------------------------------------------------------- CLI


def flat(text: str) -> str:
    """Console output with rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture
def cli():
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_metrics_retrieval_json(cli, tmp_path):
    rng = np.random.default_rng(3)
    gt = rng.permutation(np.repeat(np.arange(12), 3))
    sim = rng.normal(size=(36, 12)).astype(np.float32)
    np.save(tmp_path / "sim.npy", sim)
    np.save(tmp_path / "gt.npy", gt)
    result = cli(
        "metrics", "retrieval", tmp_path / "sim.npy", "--gt", tmp_path / "gt.npy", "--json"
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert list(got) == ["t2v", "v2t"] and all(list(got[d]) == list(metric_names()) for d in got)
    assert_metrics_close(got, reference_metrics(sim.astype(np.float64), gt))

    table = cli("metrics", "retrieval", tmp_path / "sim.npy", "--gt", tmp_path / "gt.npy")
    assert table.exit_code == 0 and "MedR" in table.stderr and table.stdout == ""


def test_cli_metrics_retrieval_errors(cli, tmp_path):
    np.save(tmp_path / "vec.npy", np.ones(4))
    np.save(tmp_path / "rect.npy", np.ones((4, 3)))
    np.save(tmp_path / "gt.npy", np.array([0, 1]))
    (tmp_path / "junk.npy").write_text("not an array")
    cases = [
        (["missing.npy"], "does not exist"),
        (["vec.npy"], "2-D"),
        (["rect.npy"], "not square"),
        (["rect.npy", "--gt", tmp_path / "gt.npy"], "one video index per text"),
        (["junk.npy"], "not a readable .npy"),
    ]
    for args, message in cases:
        result = cli("metrics", "retrieval", tmp_path / args[0], *args[1:])
        assert result.exit_code == 1, args
        assert message in flat(result.stderr), (args, result.stderr)


def test_cli_eval_and_evals(cli, tiny):
    root, _ = tiny
    args = ["--dataset", "tiny", "--text-variant", TEXT.id, "--video-variant", VIDEO.id]
    result = cli("eval", root, *args, "--json", "--k", 2)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["eval_id"] == 1 and set(out["t2v"]) == set(metric_names())
    table = cli("eval", root, *args, "--chunk", 3)
    assert table.exit_code == 0 and "stored as eval 2" in flat(table.stderr)
    listing = cli("evals", root, "--json")
    assert [row["eval_id"] for row in json.loads(listing.stdout)] == [1, 2]
    with open_warehouse(root, read_only=True) as wh:
        assert_metrics_close(retrieval_metrics(wh, 1), {d: out[d] for d in ("t2v", "v2t")})
        assert_metrics_close(retrieval_metrics(wh, 2), {d: out[d] for d in ("t2v", "v2t")})
    bad = cli("eval", root, "--dataset", "tiny", "--text-variant", TEXT.id, "--video-variant",
              VIDEO_SMALL.id)  # fmt: skip
    assert bad.exit_code == 1 and "has dim 8 but video variant" in flat(bad.stderr)
    assert "evaluations" in cli("evals", root).stderr
