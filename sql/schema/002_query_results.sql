-- One row per evaluated query with everything the metrics group by: its rank, its average
-- precision over its relevant items, its video's category and (t2v) its caption length.
-- Every retrieval metric is an aggregate over this view (sql/metrics/retrieval.sql).
--   AP = mean over the query's relevant items, ordered by rank r_1 <= r_2 <= ..., of j / r_j
--        (t2v has one relevant video, so AP = 1 / rank).
-- A t2v query (caption) belongs to its video's category, a v2t query (video) to its own;
-- video_id is that video, NULL when the query is not in the catalog (external matrices).
CREATE OR REPLACE VIEW query_results AS
WITH relevant AS (
    SELECT eval_id, direction, query_id, rank,
           row_number() OVER (
               PARTITION BY eval_id, direction, query_id ORDER BY rank, target_id
           ) AS j
    FROM relevant_ranks
),
average_precision AS (
    SELECT eval_id, direction, query_id, avg(CAST(j AS DOUBLE) / rank) AS ap
    FROM relevant
    GROUP BY eval_id, direction, query_id
)
SELECT r.eval_id, r.direction, r.query_id, r.rank, r.gt_score, p.ap,
       v.video_id, v.category_id, k.name AS category_name, c.n_words
FROM ranks AS r
JOIN evals AS e ON e.eval_id = r.eval_id
LEFT JOIN captions AS c
       ON r.direction = 't2v' AND c.dataset = e.dataset AND c.caption_id = r.query_id
LEFT JOIN videos AS v
       ON v.dataset = e.dataset
      AND v.video_id = CASE WHEN r.direction = 't2v' THEN c.video_id ELSE r.query_id END
LEFT JOIN categories AS k ON k.dataset = e.dataset AND k.category_id = v.category_id
LEFT JOIN average_precision AS p
       ON p.eval_id = r.eval_id AND p.direction = r.direction AND p.query_id = r.query_id;
