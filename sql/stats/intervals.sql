-- Percentile intervals from stat_replicates (sql/stats/replicate_metrics.sql): the $lo_q
-- and $hi_q quantiles (interpolated, as np.percentile) over the replicates of every
-- (group, side, metric), and, where side 'b' is there, of the paired difference b - a
-- (side 'diff'; rounded to 1e-9, below which it is floating-point noise).
WITH sides AS (
    SELECT gid, metric, side,
           quantile_cont(value, $lo_q) AS low, quantile_cont(value, $hi_q) AS high
    FROM stat_replicates
    GROUP BY gid, metric, side
),
diffs AS (
    SELECT a.gid, a.metric, 'diff' AS side,
           quantile_cont(round(b.value - a.value, 9), $lo_q) AS low,
           quantile_cont(round(b.value - a.value, 9), $hi_q) AS high
    FROM stat_replicates AS a
    JOIN stat_replicates AS b
      ON b.replicate = a.replicate AND b.gid = a.gid AND b.metric = a.metric
     AND a.side = 'a' AND b.side = 'b'
    GROUP BY a.gid, a.metric
)
SELECT g.direction, g.category_id, g.bucket, g.n_queries, g.n_units, x.metric, x.side,
       x.low, x.high
FROM (SELECT * FROM sides UNION ALL SELECT * FROM diffs) AS x
JOIN stat_groups AS g ON g.gid = x.gid
ORDER BY g.direction, g.category_id NULLS LAST, g.bucket, x.metric, x.side;
