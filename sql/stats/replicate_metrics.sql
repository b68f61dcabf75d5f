-- Every retrieval metric of every replicate of stat_sample, added to the temporary table
-- stat_replicates (sql/stats/replicates_table.sql): the definitions of the view
-- retrieval_metrics (sql/schema/013_query_results_store.sql) with each query counted w
-- times. MedR: with N = sum of w and the ranks sorted, x_k the (k+1)-th of them, the
-- interpolated median is (x_floor((N-1)/2) + x_ceil((N-1)/2)) / 2 (quantile_cont) and the
-- lower median x_floor((N-1)/2) (quantile_disc).
-- MRR and mAP add in DECIMAL(38, 18): an exact sum, in any order of the parallel threads, so
-- that the same seed gives the same intervals to the last bit (ranks and weights are exact
-- in DOUBLE already).
INSERT INTO stat_replicates
WITH totals AS (
    SELECT replicate, gid, side, sum(w) AS n,
           100 * sum(w * CAST(rank <= 1 AS DOUBLE)) / sum(w) AS "R@1",
           100 * sum(w * CAST(rank <= 5 AS DOUBLE)) / sum(w) AS "R@5",
           100 * sum(w * CAST(rank <= 10 AS DOUBLE)) / sum(w) AS "R@10",
           sum(w * rank) / sum(w) AS "MeanR",
           CAST(sum(w * CAST(1 / rank AS DECIMAL(38, 18))) AS DOUBLE) / sum(w) AS "MRR",
           CAST(sum(w * CAST(ap AS DECIMAL(38, 18))) AS DOUBLE)
               / sum(w) FILTER (WHERE ap IS NOT NULL) AS "mAP",
           bool_and(lower_median) AS lower_median
    FROM stat_sample
    GROUP BY replicate, gid, side
),
by_rank AS (
    SELECT replicate, gid, side, rank, sum(w) AS w
    FROM stat_sample
    GROUP BY replicate, gid, side, rank
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
    SELECT t.replicate, t.gid, t.side, t."R@1", t."R@5", t."R@10",
           CASE WHEN t.lower_median THEN m.lo ELSE (m.lo + m.hi) / 2 END AS "MedR",
           t."MeanR", t."MRR", t."mAP"
    FROM totals AS t
    JOIN medians AS m ON m.replicate = t.replicate AND m.gid = t.gid AND m.side = t.side
)
SELECT replicate, gid, side, metric, value
FROM (UNPIVOT wide ON "R@1", "R@5", "R@10", "MedR", "MeanR", "MRR", "mAP"
      INTO NAME metric VALUE value);
