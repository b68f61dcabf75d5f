"""The notebook workflow through `import vtr` alone: no internal module is imported."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import vtr

TINY = "open_clip:vtr-tiny-vit:random"


@pytest.mark.slow
def test_the_retrieval_workflow_through_import_vtr_only(tmp_path):
    annotations = vtr.synthesize(tmp_path / "corpus", videos=24, seed=0)
    with vtr.init(tmp_path / "wh") as wh:
        added = wh.add_dataset("synth", annotations)
        assert added["videos"] == 24
        assert [d["dataset"] for d in wh.datasets()] == ["synth"]
        wh.ingest("synth", [TINY], [TINY, "st:minilm"], frames=4, workers=0,
                  show_progress=False)  # fmt: skip
        video = wh.variants("video")[0]["variant_id"]
        texts = [row["variant_id"] for row in wh.variants("text")]
        clip_text = next(t for t in texts if TINY in t)

        ids, vectors = wh.vectors(video, split="test")
        assert vectors.shape == (len(ids), wh.variants("video")[0]["dim"])
        _, as_torch = wh.vectors(video, ids=ids[:3], format="torch")
        assert np.array_equal(as_torch.numpy(), vectors[:3])
        _, table = wh.vectors(video, ids=ids[:3], format="arrow")
        assert table.column_names == ["item_id", "vector"] and table.num_rows == 3

        ev = wh.eval("synth", clip_text, video)
        metrics = ev.metrics()
        assert set(metrics) == {"t2v", "v2t"} and 0 <= metrics["t2v"]["R@1"] <= 100
        by_category = ev.metrics(by="category")
        assert {row["direction"] for row in by_category} == {"t2v", "v2t"}
        ranks = ev.ranks("t2v").df()
        assert len(ranks) == ev.row["n_texts"] and ranks["rank"].min() >= 1
        hits = ev.neighbours("t2v").df()
        assert len(hits) == ev.row["n_texts"] * min(10, ev.row["n_videos"])
        same = wh.sql(
            "SELECT \"R@1\" FROM retrieval_metrics WHERE eval_id = $id AND grouping = 'all' "
            "AND direction = 't2v'",
            {"id": ev.id},
        ).fetchone()[0]
        assert same == pytest.approx(metrics["t2v"]["R@1"])

        # another system's features of the test videos, as a parquet table
        pq.write_table(pa.table({"id": ids, "emb": list(vectors)}), tmp_path / "mine.parquet")
        imported = wh.import_features(
            "synth", "video", tmp_path / "mine.parquet", id_column="id", vector_column="emb",
            backbone="mine",
        )  # fmt: skip
        assert imported["written"] == len(ids)
        same_ev = wh.eval("synth", clip_text, imported["variant_id"], missing="skip")
        assert same_ev.metrics()["t2v"] == pytest.approx(metrics["t2v"])

        minilm = next(t for t in texts if "minilm" in t)
        run = wh.train("synth", minilm, video, head="proj", epochs=2, batch_size=32)
        trained = wh.evaluation(run.test_eval)
        assert trained.metrics()["t2v"] == pytest.approx(run.trained["t2v"])
        evals = [row["eval_id"] for row in wh.evaluations()]
        assert evals == [ev.id, same_ev.id, run.test_eval]

        report = wh.report(eval_id=ev.id, out_dir=tmp_path / "report")
        assert report.name == "report.md" and f"eval {ev.id}" in report.read_text("utf-8")
        board = wh.report(compare=[], out_dir=tmp_path / "compare")
        assert "Leaderboard" in board.read_text("utf-8")
        assert wh.report(train_run=run.run_id, out_dir=tmp_path / "train").is_file()
        assert wh.report(dataset="synth", out_dir=tmp_path / "eda").is_file()
    with vtr.open(tmp_path / "wh", read_only=True) as ro:
        assert repr(ro).endswith("read_only)") and ro.evaluation(ev.id).row["dataset"] == "synth"


def test_api_errors_are_vtr_errors(tmp_path):
    with pytest.raises(vtr.VtrError, match="not a vtr warehouse"):
        vtr.open(tmp_path / "nowhere")
    with vtr.init(tmp_path / "wh") as wh:
        with pytest.raises(vtr.VtrError, match="no variant .video/x"):
            wh.vectors("video/x/final/embed/mean/8f", format="numpy")
        with pytest.raises(vtr.VtrError, match="exactly one of"):
            wh.report()
        with pytest.raises(vtr.VtrError, match="no evaluation with id 7"):
            wh.evaluation(7)
