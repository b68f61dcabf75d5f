-- Per-query retrieval results, stored once per evaluation so that metrics over millions of
-- queries are plain scans and aggregates (no joins, no window over relevant_ranks at query
-- time). Every retrieval metric is defined in this file.
--
-- query_results_computed: the per-query results of the evaluations whose rows are not stored
-- yet (evals.query_results_stored false), computed from ranks / relevant_ranks:
--   AP = mean over the query's relevant items, ordered by rank r_1 <= r_2 <= ..., of j / r_j
--        (t2v has one relevant video, so AP = 1 / rank).
--   A t2v query (caption) belongs to its video's category, a v2t query (video) to its own;
--   video_id is that video, NULL when the query is not in the catalog (external matrices);
--   n_words is the caption's length (t2v).
-- Storing an evaluation copies its rows into eval_query_results (sql/evals/
-- write_query_results.sql) and sets query_results_stored; ranks written by hand for an
-- evaluation that is not stored are still seen, through the computed view.
CREATE TABLE IF NOT EXISTS eval_query_results (
    eval_id     INTEGER NOT NULL,
    direction   VARCHAR NOT NULL,
    query_id    VARCHAR NOT NULL,
    rank        DOUBLE NOT NULL,
    gt_score    DOUBLE NOT NULL,
    ap          DOUBLE,
    video_id    VARCHAR,
    category_id INTEGER,
    n_words     INTEGER
);

ALTER TABLE evals ADD COLUMN IF NOT EXISTS query_results_stored BOOLEAN DEFAULT false;

CREATE OR REPLACE VIEW query_results_computed AS
WITH pending AS (
    SELECT eval_id, dataset FROM evals WHERE NOT coalesce(query_results_stored, false)
),
relevant AS (
    SELECT g.eval_id, g.direction, g.query_id, CAST(g.rank AS DOUBLE) AS rank,
           row_number() OVER (
               PARTITION BY g.eval_id, g.direction, g.query_id ORDER BY g.rank, g.target_id
           ) AS j
    FROM relevant_ranks AS g
    JOIN pending AS e ON e.eval_id = g.eval_id
),
average_precision AS (
    SELECT eval_id, direction, query_id, avg(j / rank) AS ap
    FROM relevant
    GROUP BY eval_id, direction, query_id
),
queries AS (
    SELECT r.eval_id, e.dataset, r.direction, r.query_id, r.rank, r.gt_score,
           c.video_id AS query_video, c.n_words
    FROM ranks AS r
    JOIN pending AS e ON e.eval_id = r.eval_id
    LEFT JOIN captions AS c ON c.dataset = e.dataset AND c.caption_id = r.query_id
    WHERE r.direction = 't2v'
    UNION ALL
    SELECT r.eval_id, e.dataset, r.direction, r.query_id, r.rank, r.gt_score,
           r.query_id AS query_video, NULL::INTEGER AS n_words
    FROM ranks AS r
    JOIN pending AS e ON e.eval_id = r.eval_id
    WHERE r.direction <> 't2v'
)
SELECT q.eval_id, q.direction, q.query_id, CAST(q.rank AS DOUBLE) AS rank, q.gt_score, p.ap,
       v.video_id, v.category_id, q.n_words
FROM queries AS q
LEFT JOIN videos AS v ON v.dataset = q.dataset AND v.video_id = q.query_video
LEFT JOIN average_precision AS p
       ON p.eval_id = q.eval_id AND p.direction = q.direction AND p.query_id = q.query_id;

-- Every evaluation's per-query rows: stored ones, then computed ones.
CREATE OR REPLACE VIEW query_result_rows AS
SELECT eval_id, direction, query_id, rank, gt_score, ap, video_id, category_id, n_words
FROM eval_query_results
UNION ALL
SELECT eval_id, direction, query_id, rank, gt_score, ap, video_id, category_id, n_words
FROM query_results_computed;

-- One row per evaluated query with everything the metrics group by: its rank, its AP, its
-- video's category (id and name) and (t2v) its caption length.
CREATE OR REPLACE VIEW query_results AS
SELECT q.eval_id, q.direction, q.query_id, q.rank, q.gt_score, q.ap,
       q.video_id, q.category_id, k.name AS category_name, q.n_words
FROM query_result_rows AS q
LEFT JOIN evals AS e ON e.eval_id = q.eval_id
LEFT JOIN categories AS k ON k.dataset = e.dataset AND k.category_id = q.category_id;

-- Retrieval metrics of every evaluation (CLIP4Clip definitions), in three groupings:
--   'all'      one row per (eval, direction)
--   'category' per (eval, direction, video category); no category: category_id NULL
--   'length'   t2v only, per caption length bucket '1-10', '11-20', '21+' words
-- Breakdowns only count queries found in the catalog (none for external matrices).
-- R@K = 100 * share of queries whose ground truth has rank <= K; MeanR = mean rank;
-- MRR = mean of 1 / rank; mAP = mean of the per-query AP.
-- MedR = median rank, interpolated like np.median, under protocol 'vtr'. Under protocol
-- 'clip4clip', a t2v evaluation with several captions per video (n_texts > n_videos) takes
-- the lower median, as CLIP4Clip's torch.median does (ranks 1, 2, 1, 2 give 1, not 1.5);
-- its v2t MedR and single-caption t2v MedR are np.median, as in CLIP4Clip.
CREATE OR REPLACE VIEW retrieval_metrics AS
WITH grouped AS (
    SELECT eval_id, 'all' AS grouping, direction, rank, ap,
           NULL::INTEGER AS category_id, NULL::VARCHAR AS bucket
    FROM query_result_rows
    UNION ALL
    SELECT eval_id, 'category', direction, rank, ap, category_id, NULL
    FROM query_result_rows
    WHERE video_id IS NOT NULL
    UNION ALL
    SELECT eval_id, 'length', direction, rank, ap, NULL,
           CASE WHEN n_words <= 10 THEN '1-10' WHEN n_words <= 20 THEN '11-20' ELSE '21+' END
    FROM query_result_rows
    WHERE direction = 't2v' AND video_id IS NOT NULL
),
aggregated AS (
    SELECT eval_id, grouping, direction, category_id, bucket,
           count(*) AS n_queries,
           100 * avg(CAST(rank <= 1 AS DOUBLE)) AS r1,
           100 * avg(CAST(rank <= 5 AS DOUBLE)) AS r5,
           100 * avg(CAST(rank <= 10 AS DOUBLE)) AS r10,
           quantile_cont(rank, 0.5) AS median_interpolated,
           quantile_disc(rank, 0.5) AS median_lower,
           avg(rank) AS mean_rank,
           avg(1 / rank) AS mrr,
           avg(ap) AS m_ap
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
       a.bucket,
       a.n_queries,
       a.r1 AS "R@1",
       a.r5 AS "R@5",
       a.r10 AS "R@10",
       CASE
           WHEN e.protocol = 'clip4clip' AND a.direction = 't2v' AND e.n_texts > e.n_videos
               THEN a.median_lower
           ELSE a.median_interpolated
       END AS "MedR",
       a.mean_rank AS "MeanR",
       a.mrr AS "MRR",
       a.m_ap AS "mAP"
FROM aggregated AS a
JOIN evals AS e ON e.eval_id = a.eval_id
LEFT JOIN categories AS k ON k.dataset = e.dataset AND k.category_id = a.category_id;

-- Store the rows of every evaluation made before this version.
INSERT INTO eval_query_results
SELECT eval_id, direction, query_id, rank, gt_score, ap, video_id, category_id, n_words
FROM query_results_computed;

UPDATE evals SET query_results_stored = true;
