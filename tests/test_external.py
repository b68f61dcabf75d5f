"""Another system's similarity matrix stored as an evaluation (`metrics retrieval --into`)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tiny import TEXT, VIDEO
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import (
    get_eval,
    metrics_by_category,
    retrieval_metrics,
    run_eval,
)


def _matrix(data: dict) -> np.ndarray:
    t = data["texts"] / np.linalg.norm(data["texts"], axis=1, keepdims=True)
    v = data["videos"] / np.linalg.norm(data["videos"], axis=1, keepdims=True)
    return t @ v.T


def _rounded(rows: list[dict]) -> list[dict]:
    return [{k: round(v, 9) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def _invoke(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_a_matrix_in_split_order_equals_vtrs_own_evaluation(tiny, tmp_path):
    root, data = tiny
    with open_warehouse(root) as wh:
        own = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
    np.save(tmp_path / "sim.npy", _matrix(data))
    into = ["--into", root, "--dataset", "tiny", "--split", "test", "--name", "other system"]
    out = _invoke("metrics", "retrieval", tmp_path / "sim.npy", *into, "--json")
    assert out.exit_code == 0, out.output
    stored = json.loads(out.stdout)
    with open_warehouse(root, read_only=True) as wh:
        want = retrieval_metrics(wh, own)
        got = retrieval_metrics(wh, stored["eval_id"])
        for direction in ("t2v", "v2t"):
            assert got[direction] == pytest.approx(want[direction])
            assert stored[direction] == pytest.approx(want[direction])
        # real caption and video ids: the per-category breakdown works as for vtr's own
        assert _rounded(metrics_by_category(wh, stored["eval_id"])) == _rounded(
            metrics_by_category(wh, own)
        )
        row = get_eval(wh, stored["eval_id"])
        assert row["label"] == "other system" and row["text_variant"] is None
        assert row["coverage"] == "full"
    compare = _invoke("report", root, "--compare", "--out", tmp_path / "rep")
    assert compare.exit_code == 0, compare.output
    text = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "| external: other system |" in text
    again = _invoke("metrics", "retrieval", tmp_path / "sim.npy", *into)
    assert again.exit_code != 0 and "already labelled 'other system'" in again.output


def test_id_files_name_rows_and_columns_in_any_order_and_part_of_the_split(tiny, tmp_path):
    root, data = tiny
    sim = _matrix(data)
    rng = np.random.default_rng(0)
    rows, cols = rng.permutation(sim.shape[0]), rng.permutation(sim.shape[1])
    np.save(tmp_path / "sim.npy", sim[rows][:, cols])
    (tmp_path / "rows.txt").write_text("\n".join(data["caption_ids"][i] for i in rows) + "\n")
    (tmp_path / "cols.txt").write_text("\n".join(data["video_ids"][j] for j in cols) + "\n")
    base = ["metrics", "retrieval", tmp_path / "sim.npy", "--into", root, "--dataset", "tiny"]
    out = _invoke(*base, "--name", "shuffled", "--text-ids", tmp_path / "rows.txt",
                  "--video-ids", tmp_path / "cols.txt", "--json")  # fmt: skip
    assert out.exit_code == 0, out.output
    with open_warehouse(root) as wh:
        own = run_eval(wh, "tiny", "test", TEXT.id, VIDEO.id)
        want = retrieval_metrics(wh, own)
    got = json.loads(out.stdout)
    for direction in ("t2v", "v2t"):
        assert got[direction] == pytest.approx(want[direction])

    # a part of the split: the first 10 videos and their captions; coverage recorded
    keep_v = [j for j in range(sim.shape[1]) if j < 10]
    keep_c = [i for i in range(sim.shape[0]) if data["gt"][i] < 10]
    np.save(tmp_path / "part.npy", sim[keep_c][:, keep_v])
    (tmp_path / "prow.txt").write_text("\n".join(data["caption_ids"][i] for i in keep_c))
    (tmp_path / "pcol.txt").write_text("\n".join(data["video_ids"][j] for j in keep_v))
    part = _invoke("metrics", "retrieval", tmp_path / "part.npy", "--into", root,
                   "--dataset", "tiny", "--name", "part", "--text-ids", tmp_path / "prow.txt",
                   "--video-ids", tmp_path / "pcol.txt", "--json")  # fmt: skip
    assert part.exit_code == 0, part.output
    with open_warehouse(root, read_only=True) as wh:
        row = get_eval(wh, json.loads(part.stdout)["eval_id"])
    n_c = len(data["caption_ids"])
    assert row["coverage"] == f"10/14 videos, {len(keep_c)}/{n_c} texts"


def test_bad_matrices_and_id_files_are_refused(tiny, tmp_path):
    root, data = tiny
    sim = _matrix(data)
    np.save(tmp_path / "sim.npy", sim[:, :-1])
    base = ["metrics", "retrieval", tmp_path / "sim.npy", "--into", root, "--dataset", "tiny"]
    wrong = _invoke(*base, "--name", "x")
    assert wrong.exit_code != 0 and "13 columns but 'tiny' / test lists 14 videos" in " ".join(
        wrong.output.split()
    )
    np.save(tmp_path / "sim.npy", sim)
    ids = data["caption_ids"]
    (tmp_path / "dup.txt").write_text("\n".join([ids[0], *ids[:-1]]))
    dup = _invoke(*base, "--name", "x", "--text-ids", tmp_path / "dup.txt")
    assert dup.exit_code != 0 and f"caption id {ids[0]!r} names more than one" in dup.output
    (tmp_path / "odd.txt").write_text("\n".join(["nope", *ids[1:]]))
    odd = _invoke(*base, "--name", "x", "--text-ids", tmp_path / "odd.txt")
    assert odd.exit_code != 0 and "1 caption id(s) are not in 'tiny' / test" in odd.output
    gt = _invoke(*base, "--name", "x", "--gt", tmp_path / "sim.npy")
    assert gt.exit_code != 0 and "--gt and --into" in gt.output
    alone = _invoke("metrics", "retrieval", tmp_path / "sim.npy", "--name", "x")
    assert alone.exit_code != 0 and "need --into" in alone.output
    with open_warehouse(root, read_only=True) as wh:
        assert wh.con.execute("SELECT count(*) FROM evals").fetchone()[0] == 0
