-- Retrieval metrics of every evaluation (CLIP4Clip definitions), as one view over
-- query_results, in three groupings:
--   'all'      one row per (eval, direction)
--   'category' per (eval, direction, video category); no category: category_id NULL
--   'length'   t2v only, per caption length bucket '1-10', '11-20', '21+' words
-- Breakdowns only count queries found in the catalog (none for external matrices).
-- R@K = 100 * share of queries whose ground truth has rank <= K; MedR = median rank
-- (interpolated, like np.median); MeanR = mean rank; MRR = mean of 1 / rank;
-- mAP = mean of the per-query AP of the query_results view.
CREATE OR REPLACE VIEW retrieval_metrics AS
WITH grouped AS (
    SELECT eval_id, 'all' AS grouping, direction, rank, ap,
           NULL::INTEGER AS category_id, NULL::VARCHAR AS category_name,
           NULL::VARCHAR AS bucket
    FROM query_results
    UNION ALL
    SELECT eval_id, 'category', direction, rank, ap, category_id, category_name, NULL
    FROM query_results
    WHERE video_id IS NOT NULL
    UNION ALL
    SELECT eval_id, 'length', direction, rank, ap, NULL, NULL,
           CASE WHEN n_words <= 10 THEN '1-10' WHEN n_words <= 20 THEN '11-20' ELSE '21+' END
    FROM query_results
    WHERE direction = 't2v' AND video_id IS NOT NULL
)
SELECT eval_id,
       grouping,
       direction,
       category_id,
       CASE
           WHEN grouping <> 'category' THEN NULL
           WHEN category_id IS NULL THEN '(no category)'
           ELSE coalesce(any_value(category_name), 'category ' || category_id)
       END AS name,
       bucket,
       count(*) AS n_queries,
       100 * avg(CAST(rank <= 1 AS DOUBLE)) AS "R@1",
       100 * avg(CAST(rank <= 5 AS DOUBLE)) AS "R@5",
       100 * avg(CAST(rank <= 10 AS DOUBLE)) AS "R@10",
       quantile_cont(CAST(rank AS DOUBLE), 0.5) AS "MedR",
       avg(CAST(rank AS DOUBLE)) AS "MeanR",
       avg(1 / CAST(rank AS DOUBLE)) AS "MRR",
       avg(ap) AS "mAP"
FROM grouped
GROUP BY eval_id, grouping, direction, category_id, bucket;
