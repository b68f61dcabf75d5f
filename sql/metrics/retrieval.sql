-- Retrieval metrics of one evaluation, one row per direction (t2v, v2t), CLIP4Clip definitions:
--   R@K   = 100 * share of queries whose ground truth has rank <= K
--   MedR  = median rank (interpolated, like np.median); MeanR = mean rank
--   MRR   = mean of 1 / rank
--   mAP   = mean over queries of AP; AP = mean over the query's relevant items, ordered by
--           their rank r_1 <= r_2 <= ..., of j / r_j (t2v: one relevant video, AP = 1 / rank).
WITH per_query AS (
    SELECT direction, query_id, rank
    FROM ranks
    WHERE eval_id = $eval_id
),
relevant AS (
    SELECT direction, query_id, rank,
           row_number() OVER (PARTITION BY direction, query_id ORDER BY rank, target_id) AS j
    FROM relevant_ranks
    WHERE eval_id = $eval_id
),
ap AS (
    SELECT direction, query_id, avg(CAST(j AS DOUBLE) / rank) AS ap
    FROM relevant
    GROUP BY direction, query_id
)
SELECT q.direction,
       count(*) AS n_queries,
       100 * avg(CAST(q.rank <= 1 AS DOUBLE)) AS "R@1",
       100 * avg(CAST(q.rank <= 5 AS DOUBLE)) AS "R@5",
       100 * avg(CAST(q.rank <= 10 AS DOUBLE)) AS "R@10",
       quantile_cont(CAST(q.rank AS DOUBLE), 0.5) AS "MedR",
       avg(CAST(q.rank AS DOUBLE)) AS "MeanR",
       avg(1 / CAST(q.rank AS DOUBLE)) AS "MRR",
       avg(ap.ap) AS "mAP"
FROM per_query AS q
LEFT JOIN ap USING (direction, query_id)
GROUP BY q.direction
ORDER BY q.direction;
