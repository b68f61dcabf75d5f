-- T2V metrics of one evaluation over the captions whose text matches the regular
-- expression $pattern (e.g. captions naming a motion direction): every metric of the view
-- query_metrics (sql/schema/021_metrics.sql), the mean of its per-query value, MedR the
-- interpolated median.
WITH matching AS (
    SELECT q.* EXCLUDE (eval_id, direction, query_id, video_id, category_id, n_words)
    FROM query_metrics AS q
    JOIN evals AS e ON e.eval_id = q.eval_id
    JOIN captions AS c ON c.dataset = e.dataset AND c.caption_id = q.query_id
    WHERE q.eval_id = $eval_id AND q.direction = 't2v' AND regexp_matches(c.text, $pattern)
),
aggregated AS (
    SELECT count(*) AS n_queries, avg(COLUMNS(*)), quantile_cont("MedR", 0.5) AS median
    FROM matching
)
SELECT * EXCLUDE (median) REPLACE (median AS "MedR") FROM aggregated;
