-- Retrieval metrics of one evaluation per video category and direction. A t2v query (caption)
-- counts under its video's category, a v2t query (video) under its own. Videos without a
-- category form one group with category_id NULL. Metric definitions: see retrieval.sql.
WITH ev AS (
    SELECT dataset FROM evals WHERE eval_id = $eval_id
),
queries AS (
    SELECT r.direction, r.query_id, r.rank, v.category_id
    FROM ranks AS r
    CROSS JOIN ev
    JOIN captions AS c ON c.dataset = ev.dataset AND c.caption_id = r.query_id
    JOIN videos AS v ON v.dataset = ev.dataset AND v.video_id = c.video_id
    WHERE r.eval_id = $eval_id AND r.direction = 't2v'
    UNION ALL
    SELECT r.direction, r.query_id, r.rank, v.category_id
    FROM ranks AS r
    CROSS JOIN ev
    JOIN videos AS v ON v.dataset = ev.dataset AND v.video_id = r.query_id
    WHERE r.eval_id = $eval_id AND r.direction = 'v2t'
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
       q.category_id,
       CASE
           WHEN q.category_id IS NULL THEN '(no category)'
           ELSE coalesce(any_value(k.name), 'category ' || q.category_id)
       END AS name,
       count(*) AS n_queries,
       100 * avg(CAST(q.rank <= 1 AS DOUBLE)) AS "R@1",
       100 * avg(CAST(q.rank <= 5 AS DOUBLE)) AS "R@5",
       100 * avg(CAST(q.rank <= 10 AS DOUBLE)) AS "R@10",
       quantile_cont(CAST(q.rank AS DOUBLE), 0.5) AS "MedR",
       avg(CAST(q.rank AS DOUBLE)) AS "MeanR",
       avg(1 / CAST(q.rank AS DOUBLE)) AS "MRR",
       avg(ap.ap) AS "mAP"
FROM queries AS q
CROSS JOIN ev
LEFT JOIN ap USING (direction, query_id)
LEFT JOIN categories AS k ON k.dataset = ev.dataset AND k.category_id = q.category_id
GROUP BY q.direction, q.category_id
ORDER BY q.direction, q.category_id NULLS LAST;
