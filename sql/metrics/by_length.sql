-- Text-to-video metrics of one evaluation per query length (captions.n_words) bucket:
-- '1-10', '11-20', '21+' words (captions of 0 words count as '1-10').
-- Metric definitions: see retrieval.sql.
WITH ev AS (
    SELECT dataset FROM evals WHERE eval_id = $eval_id
),
queries AS (
    SELECT r.direction, r.query_id, r.rank,
           CASE WHEN c.n_words <= 10 THEN 1 WHEN c.n_words <= 20 THEN 2 ELSE 3 END AS bucket_order
    FROM ranks AS r
    CROSS JOIN ev
    JOIN captions AS c ON c.dataset = ev.dataset AND c.caption_id = r.query_id
    WHERE r.eval_id = $eval_id AND r.direction = 't2v'
),
relevant AS (
    SELECT direction, query_id, rank,
           row_number() OVER (PARTITION BY direction, query_id ORDER BY rank, target_id) AS j
    FROM relevant_ranks
    WHERE eval_id = $eval_id AND direction = 't2v'
),
ap AS (
    SELECT direction, query_id, avg(CAST(j AS DOUBLE) / rank) AS ap
    FROM relevant
    GROUP BY direction, query_id
)
SELECT q.direction,
       CASE q.bucket_order WHEN 1 THEN '1-10' WHEN 2 THEN '11-20' ELSE '21+' END AS bucket,
       count(*) AS n_queries,
       100 * avg(CAST(q.rank <= 1 AS DOUBLE)) AS "R@1",
       100 * avg(CAST(q.rank <= 5 AS DOUBLE)) AS "R@5",
       100 * avg(CAST(q.rank <= 10 AS DOUBLE)) AS "R@10",
       quantile_cont(CAST(q.rank AS DOUBLE), 0.5) AS "MedR",
       avg(CAST(q.rank AS DOUBLE)) AS "MeanR",
       avg(1 / CAST(q.rank AS DOUBLE)) AS "MRR",
       avg(ap.ap) AS "mAP"
FROM queries AS q
LEFT JOIN ap USING (direction, query_id)
GROUP BY q.direction, q.bucket_order
ORDER BY q.bucket_order;
