"""`vtr eval --missing skip|fail`: evaluate the items that have vectors, and say so."""

from __future__ import annotations

import json

import numpy as np
import pytest
from catalog_rows import add_retrieval_dataset
from typer.testing import CliRunner

from vtr.errors import EvalInputError
from vtr.warehouse.ann import AnnParams, build_index
from vtr.warehouse.evals import get_eval, metrics_for_similarity, retrieval_metrics, run_eval
from vtr.warehouse.variants import Variant, register_variant

TEXT = Variant("text", "test:text")
VIDEO = Variant("video", "test:video", temporal="mean", frames=4)
N_VIDEOS, PER_VIDEO, DIM = 300, 2, 16
HAVE_VIDEOS = 280  # videos v0 .. v279 have vectors
NO_TEXT = {"c1", "c3", "c599"}  # captions without vectors: of v0, v1 and v299


@pytest.fixture
def partial(wh):
    rng = np.random.default_rng(0)
    videos = rng.normal(size=(N_VIDEOS, DIM)).astype(np.float32)
    gt = np.repeat(np.arange(N_VIDEOS), PER_VIDEO)
    texts = (videos[gt] + 0.8 * rng.normal(size=(len(gt), DIM))).astype(np.float32)
    video_ids = [f"v{i}" for i in range(N_VIDEOS)]
    caption_ids = add_retrieval_dataset(wh, video_ids, [video_ids[g] for g in gt])
    for variant in (TEXT, VIDEO):
        register_variant(wh, variant, DIM)
    wh.vectors.append(VIDEO.lance_table, "d", video_ids[:HAVE_VIDEOS], videos[:HAVE_VIDEOS])
    keep = [i for i, c in enumerate(caption_ids) if c not in NO_TEXT]
    wh.vectors.append(TEXT.lance_table, "d", [caption_ids[i] for i in keep], texts[keep])
    # what skip must evaluate: captions with a vector whose video has one
    evaluated = [i for i in keep if gt[i] < HAVE_VIDEOS]
    return wh, texts[evaluated], videos[:HAVE_VIDEOS], gt[evaluated]


def test_fail_is_the_default_and_names_the_option(partial):
    wh = partial[0]
    with pytest.raises(EvalInputError) as err:
        run_eval(wh, "d", "test", TEXT.id, VIDEO.id)
    message = str(err.value)
    assert "20 of 300 video items have no vector" in message
    assert "3 of 600 text items have no vector" in message
    assert "--missing skip" in message
    assert wh.con.execute("SELECT count(*) FROM evals").fetchone()[0] == 0


def test_skip_evaluates_what_is_there_and_records_the_coverage(partial):
    wh, texts, videos, gt = partial
    eval_id = run_eval(wh, "d", "test", TEXT.id, VIDEO.id, missing="skip")
    row = get_eval(wh, eval_id)
    assert (row["n_videos"], row["n_videos_listed"]) == (280, 300)
    assert (row["n_texts"], row["n_texts_listed"]) == (len(gt), 600) and len(gt) == 558
    assert row["coverage"] == f"280/300 videos, {len(gt)}/600 texts"
    want = metrics_for_similarity(
        (texts / np.linalg.norm(texts, axis=1, keepdims=True))
        @ (videos / np.linalg.norm(videos, axis=1, keepdims=True)).T,
        gt,
    )
    got = retrieval_metrics(wh, eval_id)
    for direction in ("t2v", "v2t"):
        assert got[direction] == pytest.approx(want[direction])


def test_skip_with_ann_answers_from_the_covered_items_only(partial):
    wh = partial[0]
    for variant in (TEXT, VIDEO):
        build_index(wh, variant.id, num_partitions=4)
    exact = run_eval(wh, "d", None, TEXT.id, VIDEO.id, missing="skip")
    ann = run_eval(wh, "d", None, TEXT.id, VIDEO.id, missing="skip", ann=AnnParams(nprobes=4))
    assert get_eval(wh, ann)["coverage"] == get_eval(wh, exact)["coverage"] != "full"
    for direction in ("t2v", "v2t"):
        want, got = retrieval_metrics(wh, exact)[direction], retrieval_metrics(wh, ann)[direction]
        assert got["R@1"] == pytest.approx(want["R@1"]) and got["R@10"] == pytest.approx(
            want["R@10"]
        )


def test_nothing_to_evaluate_is_an_error(wh):
    wh.con.execute("INSERT INTO datasets (dataset, format) VALUES ('e', 'test')")
    wh.con.execute("INSERT INTO videos (dataset, video_id, split) VALUES ('e', 'a', 'test')")
    wh.con.execute(
        "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
        "VALUES ('e', 'ca', 'a', 'words', 1, NULL)"
    )
    for variant in (TEXT, VIDEO):
        register_variant(wh, variant, DIM)
    wh.vectors.append(TEXT.lance_table, "e", ["ca"], np.ones((1, DIM), np.float32))
    wh.vectors.append(VIDEO.lance_table, "e", ["other"], np.ones((1, DIM), np.float32))
    with pytest.raises(EvalInputError, match="nothing to evaluate with --missing skip: 0 of 1"):
        run_eval(wh, "e", "test", TEXT.id, VIDEO.id, missing="skip")


def test_cli_listings_and_reports_show_the_coverage(partial, tmp_path):
    from vtr.cli.app import app
    from vtr.reports.compare import write_comparison_report
    from vtr.reports.retrieval import write_retrieval_report

    wh = partial[0]
    full = run_eval(wh, "d", "test", TEXT.id, VIDEO.id, missing="skip")  # to compare with
    root = wh.root
    wh.close()
    runner = CliRunner()
    base = ["eval", str(root), "--dataset", "d", "--split", "test"]
    base += ["--text-variant", TEXT.id, "--video-variant", VIDEO.id]
    refused = runner.invoke(app, base)
    assert refused.exit_code != 0 and "--missing skip" in refused.output
    assert "Traceback" not in refused.output
    out = runner.invoke(app, [*base, "--missing", "skip", "--json"])
    assert out.exit_code == 0, out.output
    shown = json.loads(out.stdout)
    assert shown["coverage"] == "280/300 videos, 558/600 texts"
    assert shown["n_videos_listed"] == 300
    table = runner.invoke(app, [*base, "--missing", "skip"])
    assert "evaluated 280/300 videos, 558/600 texts listed" in " ".join(table.output.split())
    listing = json.loads(runner.invoke(app, ["evals", str(root), "--json"]).stdout)
    assert {row["coverage"] for row in listing} == {"280/300 videos, 558/600 texts"}
    bad = runner.invoke(app, [*base, "--missing", "maybe"])
    assert bad.exit_code != 0 and "unknown --missing 'maybe'" in bad.output

    from vtr.warehouse import open_warehouse

    with open_warehouse(root, read_only=True) as ro:
        header = write_retrieval_report(ro, full, out_dir=tmp_path / "one").read_text("utf-8")
        board = write_comparison_report(ro, None, out_dir=tmp_path / "all").read_text("utf-8")
    assert "partial: 558 of 600 listed texts, 280 of 300 listed videos" in header
    assert board.count("| 280/300 videos, 558/600 texts |") == 3
