"""Inference-time re-ranking of a text x video similarity matrix, applied chunk by chunk.

* `dual-softmax` (CAMoE / DSL): each score is multiplied by a softmax prior taken over
  the *other* side's queries. For T2V the prior of (t, v) is softmax over all test texts
  of S[:, v] / T; for V2T it is softmax over all test videos of S[t, :] / T. The
  normalisers are statistics of the test queries themselves, so results using it are
  marked `uses_test_statistics`.
* `qb-norm` (Bogolin et al., dynamic inverted softmax): a query bank (by default the
  training split's captions for T2V, its videos for V2T) gives each gallery item the
  normaliser log sum_b exp(beta * S[b, item]). A query whose top-1 item is among the
  items that are some bank query's top-1 (the activation set) is re-scored as
  beta * s - normaliser (the log of the inverted softmax, same order); other queries
  keep their cosine scores. Only training data is used.

Each method turns L2-normalised embeddings into two rescoring functions, one per
direction, that `vtr.warehouse.search` applies to every chunk it scores; the full matrix
is never held at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from vtr.errors import EvalInputError
from vtr.registry import RERANKERS
from vtr.warehouse.search import l2_normalize

# fn(scores, text_idx, video_idx) -> rescored; scores = S[text_idx][:, video_idx]
Rescore = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Rescorers:
    t2v: Rescore
    v2t: Rescore


@dataclass(frozen=True)
class Rerank:
    """A re-ranking method and its parameters (see the module doc)."""

    method: str = "none"
    temperature: float = 0.01  # dual softmax: the prior is softmax(S / temperature)
    beta: float = 20.0  # qb-norm: inverse temperature of the inverted softmax
    bank_texts: np.ndarray | None = field(default=None, repr=False)  # T2V query bank
    bank_videos: np.ndarray | None = field(default=None, repr=False)  # V2T query bank

    def __post_init__(self) -> None:
        if self.method not in RERANKERS:
            known = ", ".join(RERANKERS.names())
            raise EvalInputError(f"unknown re-ranking {self.method!r}; choose from {known}")
        if self.temperature <= 0 or self.beta <= 0:
            raise EvalInputError("re-ranking temperature and beta must be positive")
        if self.method == "qb-norm" and (self.bank_texts is None or self.bank_videos is None):
            raise EvalInputError("qb-norm needs a query bank of texts and of videos")

    @property
    def uses_test_statistics(self) -> bool:
        return RERANKERS.entry(self.method).meta["uses_test_statistics"]

    def config(self) -> dict[str, object]:
        """The parameters that went into the result, for the evals row."""
        sizes = {"bank_texts": len, "bank_videos": len}
        params = RERANKERS.entry(self.method).meta["params"]
        values = {p: sizes.get(p, lambda v: v)(getattr(self, p)) for p in params}
        return {"method": self.method, **values}

    def rescorers(self, texts: np.ndarray, videos: np.ndarray, chunk: int) -> Rescorers | None:
        """Rescoring functions for L2-normalised `texts` and `videos`; None for 'none'."""
        return RERANKERS.get(self.method)(self, texts, videos, chunk)


@RERANKERS.register("none", help="plain cosine scores", uses_test_statistics=False, params=())
def _none(rerank: Rerank, texts: np.ndarray, videos: np.ndarray, chunk: int) -> None:
    return None


@RERANKERS.register(
    "dual-softmax",
    help="CAMoE's dual softmax: each score times a softmax prior over the other side's "
    "test queries (--temperature); uses test statistics",
    uses_test_statistics=True,
    params=("temperature",),
)
def _dual(rerank: Rerank, texts: np.ndarray, videos: np.ndarray, chunk: int) -> Rescorers:
    return _dual_softmax(texts, videos, rerank.temperature, chunk)


@RERANKERS.register(
    "qb-norm",
    help="query-bank normalisation (dynamic inverted softmax, --beta) with a bank from "
    "--bank-split",
    uses_test_statistics=False,
    params=("beta", "bank_texts", "bank_videos"),
)
def _qb_norm(rerank: Rerank, texts: np.ndarray, videos: np.ndarray, chunk: int) -> Rescorers:
    t2v = _inverted_softmax(texts, videos, rerank.bank_texts, rerank.beta, chunk, axis=1)
    v2t = _inverted_softmax(texts, videos, rerank.bank_videos, rerank.beta, chunk, axis=0)
    return Rescorers(t2v=t2v, v2t=v2t)


def _dual_softmax(t: np.ndarray, v: np.ndarray, temperature: float, chunk: int) -> Rescorers:
    row_lse = np.empty(len(t), dtype=np.float64)  # over videos, per text
    col_lse = np.full(len(v), -np.inf, dtype=np.float64)  # over texts, per video
    for a in range(0, len(t), chunk):
        logits = (t[a : a + chunk] @ v.T).astype(np.float64) / temperature
        row_lse[a : a + chunk] = _logsumexp(logits, axis=1)
        col_lse = np.logaddexp(col_lse, _logsumexp(logits, axis=0))

    def t2v(s: np.ndarray, _texts: np.ndarray, videos: np.ndarray) -> np.ndarray:
        return s * np.exp(s / temperature - col_lse[videos][None, :])

    def v2t(s: np.ndarray, texts: np.ndarray, _videos: np.ndarray) -> np.ndarray:
        return s * np.exp(s / temperature - row_lse[texts][:, None])

    return Rescorers(t2v=t2v, v2t=v2t)


def _inverted_softmax(
    t: np.ndarray, v: np.ndarray, bank: np.ndarray, beta: float, chunk: int, axis: int
) -> Rescore:
    """Dynamic inverted softmax for one direction.

    axis=1: queries are texts (rows), gallery = videos, bank = texts.
    axis=0: queries are videos (columns), gallery = texts, bank = videos.
    """
    gallery = v if axis == 1 else t
    b = l2_normalize(np.asarray(bank, dtype=np.float32))
    if b.ndim != 2 or b.shape[1] != gallery.shape[1]:
        raise EvalInputError(
            f"query bank has shape {b.shape}; expected (n, {gallery.shape[1]}) like the gallery"
        )
    norm = np.full(len(gallery), -np.inf, dtype=np.float64)
    active = np.zeros(len(gallery), dtype=bool)
    for a in range(0, len(b), chunk):
        s = (b[a : a + chunk] @ gallery.T).astype(np.float64)
        norm = np.logaddexp(norm, _logsumexp(beta * s, axis=0))
        active[np.argmax(s, axis=1)] = True
    shape = (1, -1) if axis == 1 else (-1, 1)  # the gallery axis of a (texts x videos) chunk

    def rescore(s: np.ndarray, texts: np.ndarray, videos: np.ndarray) -> np.ndarray:
        items = videos if axis == 1 else texts
        top = items[np.argmax(s, axis=axis)]
        apply = active[top]
        if not apply.any():
            return s
        inverted = beta * s - norm[items].reshape(shape)
        mask = apply[:, None] if axis == 1 else apply[None, :]
        return np.where(mask, inverted, s)

    return rescore


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    peak = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(peak, axis=axis) + np.log(np.sum(np.exp(x - peak), axis=axis))
