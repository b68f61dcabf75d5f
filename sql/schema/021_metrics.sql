-- The retrieval metrics, defined once (CLIP4Clip definitions). Everything else reads them
-- from here: the views retrieval_metrics and retrieval_metrics_wide below, the bootstrap
-- and permutation tests (sql/stats/), the reports, every `--json`, the leaderboard and
-- the validation metrics logged by `vtr train`; Python reads the metric list, display
-- and direction from the column comments of query_metrics (vtr/warehouse/metric_defs.py).
--
-- This file is re-applied whenever its text changes (vtr/warehouse/migrations.py), so a
-- new metric is one more column of query_metrics here, with its comments:
--   * a column of query_metrics after n_words is a metric: its value for one query; the
--     metric of a group of queries is the MEAN of that value over the group, except MedR,
--     the median (interpolated like np.median; the lower median under protocol
--     'clip4clip' for a t2v evaluation with several captions per video, as CLIP4Clip's
--     torch.median);
--   * a recall is named R@<K>, holds 100 or 0 per query and comes before the other
--     metrics: its mean is taken as 100 * the share of hits, 100 * avg(value / 100), which
--     is 100 * np.mean(rank <= K) to the last bit;
--   * its comment ends with '(<unit>, <higher|lower> is better).', unit percent, rank or
--     fraction (shown with 2, 2 and 4 decimals);
--   * retrieval_metrics and retrieval_metrics_wide get the column by themselves; the
--     comments of their new columns go at the end of this file.

-- One row per evaluated query: its keys, then one column per metric.
CREATE OR REPLACE VIEW query_metrics AS
SELECT eval_id, direction, query_id, video_id, category_id, n_words,
       100 * CAST(rank <= 1 AS DOUBLE) AS "R@1",
       100 * CAST(rank <= 5 AS DOUBLE) AS "R@5",
       100 * CAST(rank <= 10 AS DOUBLE) AS "R@10",
       100 * CAST(rank <= 50 AS DOUBLE) AS "R@50",
       rank AS "MedR",
       rank AS "MeanR",
       1 / rank AS "MRR",
       ap AS "mAP"
FROM query_result_rows;

-- Every metric of every evaluation, in three groupings:
--   'all'      one row per (eval, direction)
--   'category' per (eval, direction, video category); no category: category_id NULL
--   'length'   t2v only, per caption length bucket '1-10', '11-20', '21+' words
-- Breakdowns only count queries found in the catalog (none for external matrices).
CREATE OR REPLACE VIEW retrieval_metrics AS
WITH grouped AS (
    SELECT 'all' AS grouping, * REPLACE (NULL::INTEGER AS category_id), NULL::VARCHAR AS bucket
    FROM query_metrics
    UNION ALL BY NAME
    SELECT 'category' AS grouping, *, NULL::VARCHAR AS bucket
    FROM query_metrics
    WHERE video_id IS NOT NULL
    UNION ALL BY NAME
    SELECT 'length' AS grouping, * REPLACE (NULL::INTEGER AS category_id),
           CASE WHEN n_words <= 10 THEN '1-10' WHEN n_words <= 20 THEN '11-20' ELSE '21+' END
               AS bucket
    FROM query_metrics
    WHERE direction = 't2v' AND video_id IS NOT NULL
),
aggregated AS (
    SELECT eval_id, grouping, direction, category_id, bucket,
           count(*) AS n_queries,
           100 * avg(COLUMNS(c -> starts_with(c, 'R@')) / 100) AS '\0',
           avg(COLUMNS(c -> c NOT IN ('eval_id', 'grouping', 'direction', 'query_id', 'video_id',
                                      'category_id', 'n_words', 'bucket')
                            AND NOT starts_with(c, 'R@'))),
           quantile_cont("MedR", 0.5) AS median_interpolated,
           quantile_disc("MedR", 0.5) AS median_lower
    FROM grouped
    GROUP BY eval_id, grouping, direction, category_id, bucket
)
SELECT a.eval_id,
       a.grouping,
       a.direction,
       a.category_id,
       CASE
           WHEN a.grouping <> 'category' THEN NULL
           WHEN a.category_id IS NULL THEN '(no category)'
           ELSE coalesce(k.name, 'category ' || a.category_id)
       END AS name,
       a.* EXCLUDE (eval_id, grouping, direction, category_id, median_interpolated,
                    median_lower)
           REPLACE (
               CASE
                   WHEN e.protocol = 'clip4clip' AND a.direction = 't2v'
                        AND e.n_texts > e.n_videos
                       THEN a.median_lower
                   ELSE a.median_interpolated
               END AS "MedR"
           )
FROM aggregated AS a
JOIN evals AS e ON e.eval_id = a.eval_id
LEFT JOIN categories AS k ON k.dataset = e.dataset AND k.category_id = a.category_id;

-- The same metrics with both directions side by side: one row per (eval, grouping,
-- category, bucket), columns t2v_n_queries, "t2v_R@1", ..., v2t_n_queries, "v2t_R@1", ...
-- (v2t NULL in grouping 'length').
CREATE OR REPLACE VIEW retrieval_metrics_wide AS
SELECT *
FROM (
    PIVOT retrieval_metrics
    ON direction IN ('t2v', 'v2t')
    USING first(COLUMNS(* EXCLUDE (eval_id, grouping, direction, category_id, name, bucket)))
        AS '\0'
    GROUP BY eval_id, grouping, category_id, name, bucket
);

COMMENT ON VIEW query_metrics IS 'One row per evaluated query with its value of every retrieval metric (the definitions: sql/schema/021_metrics.sql).';
COMMENT ON COLUMN query_metrics.eval_id IS 'The evaluation.';
COMMENT ON COLUMN query_metrics.direction IS 't2v or v2t.';
COMMENT ON COLUMN query_metrics.query_id IS 'Caption id (t2v) or video id (v2t).';
COMMENT ON COLUMN query_metrics.video_id IS 'The query''s video (t2v: the caption''s video).';
COMMENT ON COLUMN query_metrics.category_id IS 'That video''s category.';
COMMENT ON COLUMN query_metrics.n_words IS 'Caption length in words (t2v).';
COMMENT ON COLUMN query_metrics."R@1" IS 'Recall at 1: 100 when the ground truth ranks first, else 0 (percent, higher is better).';
COMMENT ON COLUMN query_metrics."R@5" IS 'Recall at 5: 100 when the ground truth ranks in the top 5, else 0 (percent, higher is better).';
COMMENT ON COLUMN query_metrics."R@10" IS 'Recall at 10: 100 when the ground truth ranks in the top 10, else 0 (percent, higher is better).';
COMMENT ON COLUMN query_metrics."R@50" IS 'Recall at 50: 100 when the ground truth ranks in the top 50, else 0 (percent, higher is better).';
COMMENT ON COLUMN query_metrics."MedR" IS 'Median rank: the rank of the ground truth, whose median is the metric (rank, lower is better).';
COMMENT ON COLUMN query_metrics."MeanR" IS 'Mean rank: the rank of the ground truth (rank, lower is better).';
COMMENT ON COLUMN query_metrics."MRR" IS 'Mean reciprocal rank: 1 / the rank of the ground truth (fraction, higher is better).';
COMMENT ON COLUMN query_metrics."mAP" IS 'Mean average precision: the average precision of the query (fraction, higher is better).';

COMMENT ON VIEW retrieval_metrics IS 'Retrieval metrics of every evaluation, overall (grouping all), per category and per query length.';
COMMENT ON COLUMN retrieval_metrics.eval_id IS 'The evaluation.';
COMMENT ON COLUMN retrieval_metrics.grouping IS 'all, category or length.';
COMMENT ON COLUMN retrieval_metrics.direction IS 't2v or v2t.';
COMMENT ON COLUMN retrieval_metrics.category_id IS 'Category (grouping category).';
COMMENT ON COLUMN retrieval_metrics.name IS 'Category name (grouping category).';
COMMENT ON COLUMN retrieval_metrics.bucket IS 'Caption length bucket 1-10, 11-20, 21+ (grouping length, t2v).';
COMMENT ON COLUMN retrieval_metrics.n_queries IS 'Queries in the group.';

COMMENT ON VIEW retrieval_metrics_wide IS 'retrieval_metrics with T2V and V2T side by side: one row per evaluation and group, columns t2v_<metric> and v2t_<metric>.';
COMMENT ON COLUMN retrieval_metrics_wide.eval_id IS 'The evaluation.';
COMMENT ON COLUMN retrieval_metrics_wide.grouping IS 'all, category or length.';
COMMENT ON COLUMN retrieval_metrics_wide.category_id IS 'Category (grouping category).';
COMMENT ON COLUMN retrieval_metrics_wide.name IS 'Category name (grouping category).';
COMMENT ON COLUMN retrieval_metrics_wide.bucket IS 'Caption length bucket (grouping length).';
COMMENT ON COLUMN retrieval_metrics_wide.t2v_n_queries IS 'T2V queries in the group.';
COMMENT ON COLUMN retrieval_metrics_wide.v2t_n_queries IS 'V2T queries in the group (NULL in grouping length).';

-- The comments of the metric columns of the two views (one line each per metric).
COMMENT ON COLUMN retrieval_metrics."R@1" IS 'Recall at 1, percent.';
COMMENT ON COLUMN retrieval_metrics."R@5" IS 'Recall at 5, percent.';
COMMENT ON COLUMN retrieval_metrics."R@10" IS 'Recall at 10, percent.';
COMMENT ON COLUMN retrieval_metrics."R@50" IS 'Recall at 50, percent.';
COMMENT ON COLUMN retrieval_metrics."MedR" IS 'Median rank.';
COMMENT ON COLUMN retrieval_metrics."MeanR" IS 'Mean rank.';
COMMENT ON COLUMN retrieval_metrics."MRR" IS 'Mean reciprocal rank.';
COMMENT ON COLUMN retrieval_metrics."mAP" IS 'Mean average precision.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_R@1" IS 'T2V recall at 1, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_R@1" IS 'V2T recall at 1, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_R@5" IS 'T2V recall at 5, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_R@5" IS 'V2T recall at 5, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_R@10" IS 'T2V recall at 10, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_R@10" IS 'V2T recall at 10, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_R@50" IS 'T2V recall at 50, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_R@50" IS 'V2T recall at 50, percent.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_MedR" IS 'T2V median rank.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_MedR" IS 'V2T median rank.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_MeanR" IS 'T2V mean rank.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_MeanR" IS 'V2T mean rank.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_MRR" IS 'T2V mean reciprocal rank.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_MRR" IS 'V2T mean reciprocal rank.';
COMMENT ON COLUMN retrieval_metrics_wide."t2v_mAP" IS 'T2V mean average precision.';
COMMENT ON COLUMN retrieval_metrics_wide."v2t_mAP" IS 'V2T mean average precision.';
COMMENT ON COLUMN schema_version.sha256 IS 'sha256 of the migration''s text when applied (a re-applied migration, such as 021_metrics, runs again when it changes).';
