-- Every retrieval metric of every replicate of stat_sample, added to the temporary table
-- stat_replicates (sql/stats/replicates_table.sql): the definitions of the view
-- retrieval_metrics (sql/schema/021_metrics.sql) with each query counted w times. Every
-- metric column of stat_sample (its value per query, from the view query_metrics) is
-- averaged with weights w, except MedR, the weighted median: with N = sum of w and the
-- values sorted, x_k the (k+1)-th of them, the interpolated median is
-- (x_floor((N-1)/2) + x_ceil((N-1)/2)) / 2 (quantile_cont) and the lower median
-- x_floor((N-1)/2) (quantile_disc).
-- The weighted sums add in DECIMAL(38, 18): an exact sum, in any order of the parallel
-- threads, so that the same seed gives the same intervals to the last bit.
INSERT INTO stat_replicates
WITH totals AS (
    SELECT replicate, gid, side, sum(w) AS n,
           CAST(sum(w * CAST(COLUMNS(* EXCLUDE (replicate, gid, unit, side, lower_median, w))
                             AS DECIMAL(38, 18))) AS DOUBLE)
               / sum(CASE
                         WHEN COLUMNS(* EXCLUDE (replicate, gid, unit, side, lower_median, w))
                             IS NOT NULL
                             THEN w
                     END),
           bool_and(lower_median) AS lower_median
    FROM stat_sample
    GROUP BY replicate, gid, side
),
by_rank AS (
    SELECT replicate, gid, side, "MedR" AS rank, sum(w) AS w
    FROM stat_sample
    GROUP BY replicate, gid, side, "MedR"
),
cumulative AS (
    SELECT *, sum(w) OVER (PARTITION BY replicate, gid, side ORDER BY rank) AS upto
    FROM by_rank
),
medians AS (
    SELECT c.replicate, c.gid, c.side,
           min(c.rank) FILTER (WHERE c.upto > floor((t.n - 1) / 2)) AS lo,
           min(c.rank) FILTER (WHERE c.upto > ceil((t.n - 1) / 2)) AS hi
    FROM cumulative AS c
    JOIN totals AS t ON t.replicate = c.replicate AND t.gid = c.gid AND t.side = c.side
    GROUP BY c.replicate, c.gid, c.side
),
wide AS (
    SELECT t.* EXCLUDE (n, lower_median)
               REPLACE (CASE WHEN t.lower_median THEN m.lo ELSE (m.lo + m.hi) / 2 END AS "MedR")
    FROM totals AS t
    JOIN medians AS m ON m.replicate = t.replicate AND m.gid = t.gid AND m.side = t.side
)
SELECT replicate, gid, side, metric, value
FROM (UNPIVOT wide ON COLUMNS(* EXCLUDE (replicate, gid, side)) INTO NAME metric VALUE value);
