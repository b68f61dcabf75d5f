-- Highlight detection metrics of prediction set $pred_id against dataset $dataset, with the
-- semantics of the official QVHighlights evaluation (moment_detr standalone_eval/eval.py):
-- * a video has floor(duration / $clip_len) clips; each of the 3 annotators scores every
--   clip (unlisted clips score 0); at level Fair / Good / VeryGood a clip is positive for an
--   annotator when its score is >= 2 / 3 / 4.
-- * predicted scores are cut to the video's clips, missing clips score 0.
-- * AP per (query, annotator): 0 without positives, 1 when every clip is positive, else the
--   mean, over the distinct predicted scores that hold a positive, of the precision at that
--   score made monotone (best precision at any lower score); mAP averages all (query,
--   annotator) pairs.
-- * HIT@1: the clip with the highest predicted score (first on ties, over the whole predicted
--   list) is a hit when any annotator marks it positive; averaged over queries.
-- One row per level with n_queries, "mAP" and "Hit1" as fractions.
WITH
levels(level, min_score, level_order) AS (
    VALUES ('Fair', 2, 1), ('Good', 3, 2), ('VeryGood', 4, 3)
),
annotators AS (
    SELECT CAST(range AS INTEGER) AS annotator FROM range(3)
),
queries AS (
    SELECT q.qid, CAST(trunc(q.duration / $clip_len) AS INTEGER) AS n_clips
    FROM moment_queries AS q
    WHERE q.dataset = $dataset
      AND q.qid IN (SELECT qid FROM moment_pred_saliency WHERE pred_id = $pred_id)
),
clips AS (
    SELECT qid, n_clips, CAST(unnest(range(n_clips)) AS INTEGER) AS clip_idx FROM queries
),
labels AS (
    SELECT l.level, c.qid, a.annotator, c.clip_idx,
           CAST(coalesce(s.score, 0) >= l.min_score AS INTEGER) AS positive,
           coalesce(p.score, 0.0) AS pred
    FROM clips AS c
    CROSS JOIN annotators AS a
    CROSS JOIN levels AS l
    LEFT JOIN moment_saliency AS s
        ON s.dataset = $dataset AND s.qid = c.qid AND s.clip_idx = c.clip_idx
       AND s.annotator = a.annotator
    LEFT JOIN moment_pred_saliency AS p
        ON p.pred_id = $pred_id AND p.qid = c.qid AND p.clip_idx = c.clip_idx
),
per_score AS (
    SELECT level, qid, annotator, pred, sum(positive) AS n_pos, count(*) AS n_clips
    FROM labels
    GROUP BY level, qid, annotator, pred
),
cumulative AS (
    SELECT *,
           sum(n_pos) OVER w AS tp_cum,
           sum(n_clips) OVER w AS n_cum,
           sum(n_pos) OVER (PARTITION BY level, qid, annotator) AS total_pos,
           sum(n_clips) OVER (PARTITION BY level, qid, annotator) AS total_clips
    FROM per_score
    WINDOW w AS (PARTITION BY level, qid, annotator ORDER BY pred DESC)
),
interpolated AS (
    SELECT *,
           max(CAST(tp_cum AS DOUBLE) / n_cum) OVER (
               PARTITION BY level, qid, annotator ORDER BY pred DESC
               ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
           ) AS precision_interp
    FROM cumulative
),
pair_ap AS (
    SELECT level, qid, annotator,
           CASE
               WHEN any_value(total_pos) = 0 THEN 0.0
               WHEN any_value(total_pos) = any_value(total_clips) THEN 1.0
               ELSE avg(precision_interp) FILTER (WHERE n_pos > 0)
           END AS ap
    FROM interpolated
    GROUP BY level, qid, annotator
),
top_clip AS (
    SELECT qid, arg_max(clip_idx, [score, CAST(-clip_idx AS DOUBLE)]) AS clip_idx
    FROM moment_pred_saliency
    WHERE pred_id = $pred_id
    GROUP BY qid
),
hits AS (
    SELECT l.level, t.qid,
           coalesce(max(CAST(s.score >= l.min_score AS INTEGER)), 0) AS hit
    FROM top_clip AS t
    JOIN queries AS q ON q.qid = t.qid
    CROSS JOIN levels AS l
    LEFT JOIN moment_saliency AS s
        ON s.dataset = $dataset AND s.qid = t.qid AND s.clip_idx = t.clip_idx
       AND t.clip_idx < q.n_clips
    GROUP BY l.level, t.qid
),
level_ap AS (
    SELECT level, avg(ap) AS map FROM pair_ap GROUP BY level
),
level_hit AS (
    SELECT level, count(*) AS n_queries, avg(CAST(hit AS DOUBLE)) AS hit1
    FROM hits GROUP BY level
)
SELECT l.level, l.min_score, h.n_queries, a.map AS "mAP", h.hit1 AS "Hit1"
FROM levels AS l
JOIN level_ap AS a ON a.level = l.level
JOIN level_hit AS h ON h.level = l.level
ORDER BY l.level_order;
