"""Bootstrap intervals and paired tests of retrieval metrics (vtr.warehouse.stats), against a
plain numpy implementation of the same seeded draws."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from vtr.errors import EvalInputError
from vtr.warehouse.catalog import Warehouse
from vtr.warehouse.metric_defs import metric_names
from vtr.warehouse.migrations import migrate
from vtr.warehouse.stats import bootstrap_intervals, compare_evals, holm

KEYS = ("R@1", "R@5", "R@10", "MedR", "MeanR", "MRR", "mAP")
MASK = np.uint64(0xFFFFFFFF)


@pytest.fixture
def wh():
    con = duckdb.connect()
    migrate(con)
    yield Warehouse(Path("."), con, False)
    con.close()


def add_eval(wh, t2v, v2t=None, protocol="vtr", n_videos=None) -> int:
    """An evaluation from per-query rows: t2v = [(caption_id, video_id, rank)], v2t =
    [(video_id, rank, ap)]; video ids None for queries outside the catalog."""
    v2t = v2t or []
    n_videos = n_videos or max(len({v for _, v, _ in t2v}), 1)
    eval_id = wh.con.execute(
        "INSERT INTO evals (search, k, n_texts, n_videos, protocol, query_results_stored) "
        "VALUES ('exact', 10, ?, ?, ?, true) RETURNING eval_id",
        [len(t2v), n_videos, protocol],
    ).fetchone()[0]
    rows = [(eval_id, "t2v", c, float(r), 0.0, 1.0 / r, v) for c, v, r in t2v]
    rows += [(eval_id, "v2t", v, float(r), 0.0, ap, v) for v, r, ap in v2t]
    wh.con.executemany(
        "INSERT INTO eval_query_results (eval_id, direction, query_id, rank, gt_score, ap, "
        "video_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return eval_id


# ---------------------------------------------------------------- numpy reference


def h32(x):
    x = np.asarray(x, dtype=np.uint64)
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(0x7FEB352D)) & MASK
    x = x ^ (x >> np.uint64(15))
    x = (x * np.uint64(0x846CA68B)) & MASK
    return x ^ (x >> np.uint64(16))


def metrics(ranks, aps, lower_median=False):
    ranks = np.asarray(ranks, dtype=float)
    med = np.sort(ranks)[(len(ranks) - 1) // 2] if lower_median else np.median(ranks)
    return {
        "R@1": 100 * np.mean(ranks <= 1),
        "R@5": 100 * np.mean(ranks <= 5),
        "R@10": 100 * np.mean(ranks <= 10),
        "MedR": med,
        "MeanR": ranks.mean(),
        "MRR": np.mean(1 / ranks),
        "mAP": np.mean(aps),
    }


def numpy_bootstrap(units, ranks, aps, b, seed, level, lower_median=False):
    """The draws of sql/stats/bootstrap_sample.sql in numpy: units sorted, replicate r draws
    unit h32(h32(h32(seed) ^ r) ^ slot) % n for slot in 0..n-1."""
    keys = sorted(set(units))
    index = np.array([keys.index(u) for u in units])
    n = len(keys)
    values = {k: [] for k in KEYS}
    for r in range(b):
        h = h32(h32(seed) ^ np.uint64(r))
        drawn = h32(h ^ np.arange(n, dtype=np.uint64)) % np.uint64(n)
        w = np.bincount(drawn.astype(np.int64), minlength=n)[index]
        m = metrics(np.repeat(ranks, w), np.repeat(aps, w), lower_median)
        for k in KEYS:
            values[k].append(m[k])
    tail = 100 * (1 - level) / 2
    return {k: list(np.percentile(values[k], [tail, 100 - tail])) for k in KEYS}


def clustered(rng, n_videos, per_video, shift=0.0):
    """T2V rows whose captions share their video's difficulty."""
    rows = []
    for v in range(n_videos):
        base = rng.integers(1, 30) - shift
        for c in range(per_video):
            rank = max(1, int(base + rng.integers(0, 3)))
            rows.append((f"c{v:03d}_{c}", f"v{v:03d}", rank))
    return rows


# ---------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("protocol", ["vtr", "clip4clip"])
def test_sql_intervals_equal_the_numpy_bootstrap_of_the_same_draws(wh, protocol):
    rng = np.random.default_rng(1)
    t2v = clustered(rng, 40, 3)
    v2t = [(f"v{v:03d}", int(rng.integers(1, 40)), float(rng.random())) for v in range(40)]
    eval_id = add_eval(wh, t2v, v2t, protocol=protocol)
    got = bootstrap_intervals(wh, eval_id, b=200, level=0.9, seed=7)
    want_t2v = numpy_bootstrap(
        [v for _, v, _ in t2v],
        np.array([r for _, _, r in t2v]),
        1 / np.array([r for _, _, r in t2v]),
        200,
        7,
        0.9,
        lower_median=protocol == "clip4clip",
    )
    want_v2t = numpy_bootstrap(
        [v for v, _, _ in v2t],
        np.array([r for _, r, _ in v2t]),
        np.array([a for _, _, a in v2t]),
        200,
        7,
        0.9,
    )
    assert got["t2v"]["n_units"] == 40 and got["t2v"]["n_queries"] == 120
    for k in KEYS:
        assert got["t2v"][k] == pytest.approx(want_t2v[k], abs=1e-9), k
        assert got["v2t"][k] == pytest.approx(want_v2t[k], abs=1e-9), k
    # the same seed gives the same intervals, another seed others
    assert bootstrap_intervals(wh, eval_id, b=200, level=0.9, seed=7) == got
    other = bootstrap_intervals(wh, eval_id, b=200, level=0.9, seed=8)
    assert other["t2v"]["MeanR"] != got["t2v"]["MeanR"]


def test_batches_of_replicates_give_the_same_intervals(wh, monkeypatch):
    from vtr.warehouse import stats

    rng = np.random.default_rng(6)
    a = add_eval(wh, clustered(rng, 25, 3))
    whole = bootstrap_intervals(wh, a, b=120)
    paired = compare_evals_t2v(wh, a)
    monkeypatch.setattr(stats, "BATCH_ROWS", 75 * 7)  # 7 replicates (rounds) per batch
    assert bootstrap_intervals(wh, a, b=120) == whole
    assert compare_evals_t2v(wh, a) == paired


def compare_evals_t2v(wh, a):
    """compare_evals of `a` against itself with every T2V rank one worse; T2V rows only."""
    rows = wh.con.execute(
        "SELECT query_id, video_id, rank + 1 FROM eval_query_results WHERE eval_id = ?", [a]
    ).fetchall()
    b = add_eval(wh, [(q, v, int(r)) for q, v, r in rows])
    wh.con.execute(
        "INSERT INTO eval_query_results SELECT * REPLACE (? AS eval_id) "
        "FROM eval_query_results WHERE eval_id = ? AND direction = 'v2t'",
        [b, a],
    )
    return compare_evals_rows(wh, a, b)


def compare_evals_rows(wh, a, b):
    from vtr.warehouse import stats

    boot = stats._run(wh, a, b, "all", "stats/bootstrap_sample", {"count": 60, "seed": 1}, 0.9)
    perm = stats._run(wh, a, b, "all", "stats/permutation_sample", {"count": 61, "seed": 1})
    return boot, perm


def test_the_cluster_bootstrap_draws_videos_with_all_their_captions(wh):
    rng = np.random.default_rng(2)
    t2v = clustered(rng, 30, 4)
    eval_id = add_eval(wh, t2v)
    wh.sql("stats/hash")
    wh.sql("stats/rows", {"eval_a": eval_id, "eval_b": None, "grouping": "all"})
    wh.sql("stats/groups")
    wh.sql("stats/bootstrap_sample", {"first": 0, "last": 50, "seed": 0})
    units = wh.con.execute(
        "SELECT replicate, unit, count(*) AS n, count(DISTINCT w) AS n_weights "
        "FROM stat_sample GROUP BY ALL"
    ).fetchall()
    per_replicate = wh.con.execute(
        "SELECT replicate, sum(w) AS draws, count(*) AS rows FROM stat_sample GROUP BY ALL"
    ).fetchall()
    wh.sql("stats/drop")
    # every drawn video comes with its 4 captions, all with the video's weight
    assert {(n, n_weights) for _, _, n, n_weights in units} == {(4, 1)}
    # 30 videos drawn per replicate, each with its 4 captions: 120 weighted captions
    assert {draws for _, draws, _ in per_replicate} == {120}
    assert all(rows % 4 == 0 for *_, rows in per_replicate)
    assert len(per_replicate) == 50
    # drawn caption by caption (no video known), the interval of correlated captions is narrower
    loose = add_eval(wh, [(c, None, r) for c, _, r in t2v])
    video = bootstrap_intervals(wh, eval_id, b=300)["t2v"]["MeanR"]
    caption = bootstrap_intervals(wh, loose, b=300)["t2v"]
    assert caption["n_units"] == 120
    assert video[1] - video[0] > 1.5 * (caption["MeanR"][1] - caption["MeanR"][0])


def test_coverage_of_a_known_distribution(wh):
    """R@1 of queries that hit with probability 0.3: the 90% interval holds 30 in about 90%
    of 150 simulated evaluations of 120 queries."""
    rng = np.random.default_rng(3)
    hits = 0
    sims = 150
    for s in range(sims):
        ranks = np.where(rng.random(120) < 0.3, 1, rng.integers(2, 50, 120))
        eval_id = add_eval(wh, [(f"c{i}", f"v{i}", int(r)) for i, r in enumerate(ranks)])
        low, high = bootstrap_intervals(wh, eval_id, b=200, level=0.9, seed=s)["t2v"]["R@1"]
        hits += low <= 30 <= high
    assert 0.82 <= hits / sims <= 0.97


def test_groupings_give_one_interval_per_category_or_length(wh):
    rng = np.random.default_rng(4)
    eval_id = add_eval(wh, clustered(rng, 20, 3))
    wh.con.execute(
        "UPDATE eval_query_results SET category_id = CAST(substr(video_id, 2) AS INT) % 2, "
        "n_words = CAST(substr(query_id, 6) AS INT) * 10 + 5 WHERE eval_id = ?",
        [eval_id],
    )
    by_category = bootstrap_intervals(wh, eval_id, b=50, by="category")["groups"]
    assert [(g["category_id"], g["n_units"], g["n_queries"]) for g in by_category] == [
        (0, 10, 30),
        (1, 10, 30),
    ]
    by_length = bootstrap_intervals(wh, eval_id, b=50, by="length")["groups"]
    assert [(g["bucket"], g["n_queries"]) for g in by_length] == [
        ("1-10", 20),
        ("11-20", 20),
        ("21+", 20),
    ]
    assert all(g["R@1"][0] <= g["R@1"][1] for g in by_category + by_length)


def test_bad_settings_name_the_setting(wh):
    eval_id = add_eval(wh, [("c0", "v0", 1)])
    with pytest.raises(EvalInputError, match="--b 1"):
        bootstrap_intervals(wh, eval_id, b=1)
    with pytest.raises(EvalInputError, match="--level 1.5"):
        bootstrap_intervals(wh, eval_id, level=1.5)
    with pytest.raises(EvalInputError, match="--seed -1"):
        bootstrap_intervals(wh, eval_id, seed=-1)
    with pytest.raises(EvalInputError, match="grouping 'genre'"):
        bootstrap_intervals(wh, eval_id, by="genre")


# ---------------------------------------------------------------- paired tests


def _pair(wh, shift_b=0.0, drop=False):
    rng = np.random.default_rng(5)
    t2v = clustered(rng, 60, 3)
    v2t = [(f"v{v:03d}", int(rng.integers(1, 40)), float(rng.random())) for v in range(60)]
    a = add_eval(wh, t2v, v2t)
    rng = np.random.default_rng(5)
    t2v_b = clustered(rng, 60, 3, shift=shift_b)
    if drop:
        t2v_b = t2v_b[1:]
    b = add_eval(wh, t2v_b, v2t)
    return a, b


def test_identical_evaluations_give_p_one_and_a_zero_difference(wh):
    a, b = _pair(wh)
    rows = compare_evals(wh, a, b, b=200, rounds=200)
    assert len(rows) == 2 * len(metric_names())  # every metric, both directions
    for row in rows:
        assert row["diff"] == 0 and row["low"] == 0 and row["high"] == 0, row
        assert row["p_value"] == 1 and row["p_holm"] == 1, row


def test_a_known_shift_is_detected(wh):
    # 1000 rounds: the smallest p-value, 1 / 1001, stays clear of 0.05 after Holm's
    # adjustment over every metric of both directions
    a, b = _pair(wh, shift_b=8)
    rows = {(r["direction"], r["metric"]): r for r in compare_evals(wh, a, b, b=300, rounds=1000)}
    mean_rank = rows[("t2v", "MeanR")]
    assert mean_rank["diff"] < -5
    assert mean_rank["high"] < 0  # the interval of B - A excludes 0
    assert mean_rank["p_value"] < 0.01 and mean_rank["p_holm"] < 0.05
    assert rows[("t2v", "R@1")]["diff"] > 0 and rows[("t2v", "R@1")]["p_holm"] < 0.05
    # v2t is the same in both: no effect
    assert rows[("v2t", "MeanR")]["p_value"] == 1


def test_evaluations_of_different_queries_are_refused(wh):
    a, b = _pair(wh, drop=True)
    with pytest.raises(EvalInputError, match=r"do not hold the same queries.*t2v c000_0"):
        compare_evals(wh, a, b, b=10)


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0]
