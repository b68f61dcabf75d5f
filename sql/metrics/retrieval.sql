-- Retrieval metrics of one evaluation (CLIP4Clip definitions), grouped by $by:
--   'all'      one row per direction (t2v, v2t)
--   'category' per direction and video category (no category: one group, category_id NULL)
--   'length'   t2v only, per caption length bucket '1-10', '11-20', '21+' words
-- Breakdowns only count queries found in the catalog (none for external matrices).
-- R@K = 100 * share of queries whose ground truth has rank <= K; MedR = median rank
-- (interpolated, like np.median); MeanR = mean rank; MRR = mean of 1 / rank;
-- mAP = mean of the per-query AP of the query_results view.
WITH grouped AS (
    SELECT direction, rank, ap,
           CASE WHEN $by = 'category' THEN category_id END AS category_id,
           CASE WHEN $by = 'category' THEN category_name END AS category_name,
           CASE
               WHEN $by <> 'length' THEN NULL
               WHEN n_words <= 10 THEN '1-10'
               WHEN n_words <= 20 THEN '11-20'
               ELSE '21+'
           END AS bucket
    FROM query_results
    WHERE eval_id = $eval_id
      AND ($by <> 'length' OR direction = 't2v')
      AND ($by = 'all' OR video_id IS NOT NULL)
)
SELECT direction,
       category_id,
       CASE
           WHEN $by <> 'category' THEN NULL
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
GROUP BY direction, category_id, bucket
ORDER BY direction, category_id NULLS LAST, bucket;
