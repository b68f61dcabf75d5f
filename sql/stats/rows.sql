-- The per-query rows that sql/stats/ resamples, into the temporary table stat_rows: the
-- queries of evaluation $eval_a in grouping $grouping ('all', 'category' or 'length', the
-- same rows and groups as the view retrieval_metrics), each with its value of every metric
-- (the view query_metrics, sql/schema/021_metrics.sql) as columns "a:R@1", ..., and (when
-- $eval_b is not NULL) the same query's values in evaluation $eval_b as "b:R@1", ...; in_b:
-- the query is in $eval_b.
--
-- Resampling unit (unit_key): a T2V query (caption) is drawn with its VIDEO, as a cluster
-- bootstrap: the captions of one video share its content and its difficulty, so they are
-- not independent draws, and resampling them one by one would give intervals too narrow by
-- about the square root of the design effect. A V2T query is its own video. A T2V query
-- whose video is not in the catalog (an external matrix) is its own unit.
-- gid numbers the groups (direction, category_id, bucket); unit numbers the units of a
-- group from 0. lower_a / lower_b: the group's MedR is the lower median, as in the view.
CREATE OR REPLACE TEMP TABLE stat_rows AS
WITH a AS (
    SELECT q.direction, q.query_id,
           CASE WHEN $grouping = 'category' THEN q.category_id END AS category_id,
           CASE
               WHEN $grouping <> 'length' THEN NULL
               WHEN q.n_words <= 10 THEN '1-10'
               WHEN q.n_words <= 20 THEN '11-20'
               ELSE '21+'
           END AS bucket,
           CASE WHEN q.direction = 't2v' THEN coalesce(q.video_id, q.query_id) ELSE q.query_id END
               AS unit_key,
           COLUMNS(c -> c NOT IN ('eval_id', 'direction', 'query_id', 'video_id', 'category_id',
                                  'n_words')) AS 'a:\0'
    FROM query_metrics AS q
    WHERE q.eval_id = $eval_a
      AND ($grouping = 'all'
           OR (q.video_id IS NOT NULL AND ($grouping = 'category' OR q.direction = 't2v')))
),
b AS (
    SELECT direction AS b_direction, query_id AS b_query_id, true AS in_b,
           COLUMNS(c -> c NOT IN ('eval_id', 'direction', 'query_id', 'video_id', 'category_id',
                                  'n_words')) AS 'b:\0'
    FROM query_metrics
    WHERE eval_id = $eval_b
),
lower_median AS (
    SELECT eval_id, protocol = 'clip4clip' AND n_texts > n_videos AS lower_t2v
    FROM evals
),
paired AS (
    SELECT a.*, b.* EXCLUDE (b_direction, b_query_id, in_b), coalesce(b.in_b, false) AS in_b,
           a.direction = 't2v' AND coalesce(la.lower_t2v, false) AS lower_a,
           a.direction = 't2v' AND coalesce(lb.lower_t2v, false) AS lower_b,
           dense_rank() OVER (ORDER BY a.direction, a.category_id, a.bucket) - 1 AS gid
    FROM a
    LEFT JOIN b ON b.b_direction = a.direction AND b.b_query_id = a.query_id
    LEFT JOIN lower_median AS la ON la.eval_id = $eval_a
    LEFT JOIN lower_median AS lb ON lb.eval_id = $eval_b
)
SELECT *, dense_rank() OVER (PARTITION BY gid ORDER BY unit_key) - 1 AS unit
FROM paired;
