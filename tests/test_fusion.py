"""`vtr fuse`: fusion variants from stored variants, evaluated like any other."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tiny import DIM, TEXT, VIDEO, VIDEO_SMALL
from typer.testing import CliRunner

from vtr.cli.app import app
from vtr.errors import EvalInputError
from vtr.ingest.fusion import fuse_variants
from vtr.warehouse import open_warehouse
from vtr.warehouse.evals import retrieval_metrics, run_eval
from vtr.warehouse.variants import Variant, get_variant, register_variant

OTHER = Variant("video", "test:other", temporal="mean", frames=4)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _read(wh, variant_id: str, ids: list[str]) -> np.ndarray:
    return wh.vectors.read(get_variant(wh, variant_id)["lance_table"], "tiny", ids)[1]


@pytest.fixture
def two_videos(tiny):
    root, data = tiny
    rng = np.random.default_rng(5)
    ids = list(data["video_ids"])  # test videos only: the train ones are missing here
    with open_warehouse(root) as wh:
        register_variant(wh, OTHER, DIM)
        other = rng.normal(size=(len(ids), DIM)).astype(np.float32)
        wh.vectors.append(OTHER.lance_table, "tiny", ids, other)
    return root, data, ids


def test_sum_and_concat_are_the_weighted_normalised_inputs(two_videos):
    root, data, ids = two_videos
    with open_warehouse(root) as wh:
        summed = fuse_variants(wh, "tiny", [VIDEO.id, OTHER.id], "mix", "sum", [0.7, 0.3])
        assert summed.variant_id == "video/fuse:mix/final/sum/fused/4f"
        assert summed.written == len(ids) and summed.skipped == {VIDEO.id: 3, OTHER.id: 0}
        a, b = _read(wh, VIDEO.id, ids), _read(wh, OTHER.id, ids)
        want = _unit(0.7 * _unit(a) + 0.3 * _unit(b))
        np.testing.assert_allclose(_read(wh, summed.variant_id, ids), want, atol=1e-6)

        cat = fuse_variants(wh, "tiny", [VIDEO.id, VIDEO_SMALL.id], "cat", "concat", [2, 1])
        fused = _read(wh, cat.variant_id, ids)
        assert fused.shape == (len(ids), DIM + DIM - 2)
        small = _read(wh, VIDEO_SMALL.id, ids)
        cos = fused @ fused.T  # the weighted mean of the inputs' cosines
        want = (4 * _unit(a) @ _unit(a).T + _unit(small) @ _unit(small).T) / 5
        np.testing.assert_allclose(cos, want, atol=1e-5)

        again = fuse_variants(wh, "tiny", [VIDEO.id, OTHER.id], "mix", "sum", [0.7, 0.3])
        assert again.written == 0 and again.already_present == len(ids)
        metrics = retrieval_metrics(wh, run_eval(wh, "tiny", "test", TEXT.id, summed.variant_id))
        assert 0 <= metrics["t2v"]["R@1"] <= 100
        run = wh.rows("runs/list")[-1]
        assert run["kind"] == "fuse" and run["status"] == "ok"


def test_bad_fusions_are_refused(two_videos):
    root, _, _ = two_videos
    with open_warehouse(root) as wh:
        cases = [
            (([VIDEO.id, OTHER.id], "m", "max", None), "unknown fusion mode 'max'"),
            (([VIDEO.id, OTHER.id], "a/b", "sum", None), "fusion name 'a/b'"),
            (([VIDEO.id], "m", "sum", None), "at least two different"),
            (([VIDEO.id, TEXT.id], "m", "sum", None), "share one modality"),
            (([VIDEO.id, VIDEO_SMALL.id], "m", "sum", None), "needs one dim"),
            (([VIDEO.id, OTHER.id], "m", "sum", [1.0]), "1 weights for 2 variants"),
            (([VIDEO.id, OTHER.id], "m", "sum", [0, 0]), "not all 0"),
        ]
        for (variants, name, mode, weights), message in cases:
            with pytest.raises(EvalInputError, match=message):
                fuse_variants(wh, "tiny", variants, name, mode, weights)
        assert not [
            v for v in wh.rows("variants/list", {"modality": None}) if "fuse:" in v["variant_id"]
        ]


def test_cli_fuse(two_videos):
    root, _, ids = two_videos
    args = ["fuse", str(root), "--dataset", "tiny", "--variant", VIDEO.id]
    args += ["--variant", OTHER.id, "--name", "mix", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == len(ids)
    bad = CliRunner().invoke(app, [*args, "--weights", "a,b"])
    assert bad.exit_code == 1 and "give numbers" in bad.output
