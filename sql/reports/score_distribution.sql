-- Histogram of one evaluation's sampled similarity scores (score_samples), matching vs
-- non-matching (text, video) pairs. Both groups share $bins equal-width bins spanning
-- [lo, hi], the range of all sampled scores; bin b covers
-- [lo + b * (hi - lo) / $bins, lo + (b + 1) * (hi - lo) / $bins), the last bin includes hi.
-- One row per (matching, bin) holding at least one score; all scores fall in bin 0 when
-- hi = lo.
WITH s AS (
    SELECT matching, score
    FROM score_samples
    WHERE eval_id = $eval_id
),
bounds AS (
    SELECT min(score) AS lo, max(score) AS hi
    FROM s
),
binned AS (
    SELECT s.matching,
           CASE
               WHEN b.hi > b.lo THEN
                   least(CAST(floor((s.score - b.lo) / (b.hi - b.lo) * $bins) AS INTEGER),
                         $bins - 1)
               ELSE 0
           END AS bin,
           b.lo,
           b.hi
    FROM s
    CROSS JOIN bounds AS b
)
SELECT matching, bin, count(*) AS n, any_value(lo) AS lo, any_value(hi) AS hi
FROM binned
GROUP BY matching, bin
ORDER BY matching DESC, bin;
