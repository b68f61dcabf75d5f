-- T2V metrics of one evaluation over the captions whose text matches the regular
-- expression $pattern (e.g. captions naming a motion direction): every metric of the view
-- query_metrics (sql/schema/021_metrics.sql), aggregated as the view retrieval_metrics does
-- (MedR: the interpolated median).
WITH matching AS (
    SELECT q.* EXCLUDE (eval_id, direction, query_id, video_id, category_id, n_words)
    FROM query_metrics AS q
    JOIN evals AS e ON e.eval_id = q.eval_id
    JOIN captions AS c ON c.dataset = e.dataset AND c.caption_id = q.query_id
    WHERE q.eval_id = $eval_id AND q.direction = 't2v' AND regexp_matches(c.text, $pattern)
),
aggregated AS (
    SELECT count(*) AS n_queries,
           100 * avg(COLUMNS(c -> starts_with(c, 'R@')) / 100) AS '\0',
           avg(COLUMNS(c -> NOT starts_with(c, 'R@'))),
           quantile_cont("MedR", 0.5) AS median
    FROM matching
)
SELECT * EXCLUDE (median) REPLACE (median AS "MedR") FROM aggregated;
