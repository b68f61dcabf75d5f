"""The vector store refuses embeddings it must not keep, before writing anything."""

from __future__ import annotations

import numpy as np
import pytest

from vtr.warehouse.variants import Variant

VIDEO = Variant("video", "test:video", temporal="mean", frames=4)


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        (np.array([[1, 2, 3, 4], [1, np.nan, 0, 0]], np.float32), "NaN or Inf, e.g. item 'b'"),
        (np.array([[1, 2, 3, 4], [np.inf, 0, 0, 0]], np.float32), "NaN or Inf, e.g. item 'b'"),
        (np.ones((2, 5), np.float32), "stores dim 4 but these embeddings have dim 5"),
    ],
)
def test_bad_embeddings_are_rejected_before_any_write(wh, vectors, message):
    from vtr.errors import EmbeddingError

    wh.vectors.append(VIDEO.lance_table, "d", ["first"], np.ones((1, 4), np.float32))
    with pytest.raises(EmbeddingError, match=message):
        wh.vectors.append(VIDEO.lance_table, "d", ["a", "b"], vectors)
    assert wh.vectors.count(VIDEO.lance_table) == 1
