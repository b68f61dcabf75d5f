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
--
-- For scale, the nine (level, annotator) pairs are columns: f0..f2 (Fair, annotators 0-2),
-- g0..g2 (Good), v0..v2 (VeryGood) count a score group's positive clips, so one sort per
-- query ranks its distinct predicted scores for all nine at once.
WITH
levels(level, min_score, level_order) AS (
    VALUES ('Fair', 2, 1), ('Good', 3, 2), ('VeryGood', 4, 3)
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
annotated AS (
    SELECT s.qid, s.clip_idx,
           max(s.score) FILTER (WHERE s.annotator = 0) AS a0,
           max(s.score) FILTER (WHERE s.annotator = 1) AS a1,
           max(s.score) FILTER (WHERE s.annotator = 2) AS a2
    FROM moment_saliency AS s
    WHERE s.dataset = $dataset AND s.qid IN (SELECT qid FROM queries)
    GROUP BY s.qid, s.clip_idx
),
scored AS (
    SELECT c.qid, coalesce(p.score, 0.0) AS pred,
           coalesce(a.a0, 0) AS a0, coalesce(a.a1, 0) AS a1, coalesce(a.a2, 0) AS a2
    FROM clips AS c
    LEFT JOIN moment_pred_saliency AS p
        ON p.pred_id = $pred_id AND p.qid = c.qid AND p.clip_idx = c.clip_idx
    LEFT JOIN annotated AS a ON a.qid = c.qid AND a.clip_idx = c.clip_idx
),
per_score AS (
    SELECT qid, pred, count(*) AS n,
           sum(CAST(a0 >= 2 AS INTEGER)) AS f0,
           sum(CAST(a1 >= 2 AS INTEGER)) AS f1,
           sum(CAST(a2 >= 2 AS INTEGER)) AS f2,
           sum(CAST(a0 >= 3 AS INTEGER)) AS g0,
           sum(CAST(a1 >= 3 AS INTEGER)) AS g1,
           sum(CAST(a2 >= 3 AS INTEGER)) AS g2,
           sum(CAST(a0 >= 4 AS INTEGER)) AS v0,
           sum(CAST(a1 >= 4 AS INTEGER)) AS v1,
           sum(CAST(a2 >= 4 AS INTEGER)) AS v2
    FROM scored
    GROUP BY qid, pred
),
cumulative AS (
    SELECT *,
           sum(n) OVER down AS n_cum,
           sum(n) OVER whole AS n_total,
           sum(f0) OVER down AS tp_f0,
           sum(f1) OVER down AS tp_f1,
           sum(f2) OVER down AS tp_f2,
           sum(g0) OVER down AS tp_g0,
           sum(g1) OVER down AS tp_g1,
           sum(g2) OVER down AS tp_g2,
           sum(v0) OVER down AS tp_v0,
           sum(v1) OVER down AS tp_v1,
           sum(v2) OVER down AS tp_v2,
           sum(f0) OVER whole AS pos_f0,
           sum(f1) OVER whole AS pos_f1,
           sum(f2) OVER whole AS pos_f2,
           sum(g0) OVER whole AS pos_g0,
           sum(g1) OVER whole AS pos_g1,
           sum(g2) OVER whole AS pos_g2,
           sum(v0) OVER whole AS pos_v0,
           sum(v1) OVER whole AS pos_v1,
           sum(v2) OVER whole AS pos_v2
    FROM per_score
    WINDOW down AS (PARTITION BY qid ORDER BY pred DESC ROWS UNBOUNDED PRECEDING),
           whole AS (PARTITION BY qid)
),
interpolated AS (
    SELECT *,
           max(CAST(tp_f0 AS DOUBLE) / n_cum) OVER up AS prec_f0,
           max(CAST(tp_f1 AS DOUBLE) / n_cum) OVER up AS prec_f1,
           max(CAST(tp_f2 AS DOUBLE) / n_cum) OVER up AS prec_f2,
           max(CAST(tp_g0 AS DOUBLE) / n_cum) OVER up AS prec_g0,
           max(CAST(tp_g1 AS DOUBLE) / n_cum) OVER up AS prec_g1,
           max(CAST(tp_g2 AS DOUBLE) / n_cum) OVER up AS prec_g2,
           max(CAST(tp_v0 AS DOUBLE) / n_cum) OVER up AS prec_v0,
           max(CAST(tp_v1 AS DOUBLE) / n_cum) OVER up AS prec_v1,
           max(CAST(tp_v2 AS DOUBLE) / n_cum) OVER up AS prec_v2
    FROM cumulative
    WINDOW up AS (PARTITION BY qid ORDER BY pred DESC
                  ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
),
pair_ap AS (
    SELECT qid,
           CASE
               WHEN any_value(pos_f0) = 0 THEN 0.0
               WHEN any_value(pos_f0) = any_value(n_total) THEN 1.0
               ELSE avg(prec_f0) FILTER (WHERE f0 > 0)
           END AS ap_f0,
           CASE
               WHEN any_value(pos_f1) = 0 THEN 0.0
               WHEN any_value(pos_f1) = any_value(n_total) THEN 1.0
               ELSE avg(prec_f1) FILTER (WHERE f1 > 0)
           END AS ap_f1,
           CASE
               WHEN any_value(pos_f2) = 0 THEN 0.0
               WHEN any_value(pos_f2) = any_value(n_total) THEN 1.0
               ELSE avg(prec_f2) FILTER (WHERE f2 > 0)
           END AS ap_f2,
           CASE
               WHEN any_value(pos_g0) = 0 THEN 0.0
               WHEN any_value(pos_g0) = any_value(n_total) THEN 1.0
               ELSE avg(prec_g0) FILTER (WHERE g0 > 0)
           END AS ap_g0,
           CASE
               WHEN any_value(pos_g1) = 0 THEN 0.0
               WHEN any_value(pos_g1) = any_value(n_total) THEN 1.0
               ELSE avg(prec_g1) FILTER (WHERE g1 > 0)
           END AS ap_g1,
           CASE
               WHEN any_value(pos_g2) = 0 THEN 0.0
               WHEN any_value(pos_g2) = any_value(n_total) THEN 1.0
               ELSE avg(prec_g2) FILTER (WHERE g2 > 0)
           END AS ap_g2,
           CASE
               WHEN any_value(pos_v0) = 0 THEN 0.0
               WHEN any_value(pos_v0) = any_value(n_total) THEN 1.0
               ELSE avg(prec_v0) FILTER (WHERE v0 > 0)
           END AS ap_v0,
           CASE
               WHEN any_value(pos_v1) = 0 THEN 0.0
               WHEN any_value(pos_v1) = any_value(n_total) THEN 1.0
               ELSE avg(prec_v1) FILTER (WHERE v1 > 0)
           END AS ap_v1,
           CASE
               WHEN any_value(pos_v2) = 0 THEN 0.0
               WHEN any_value(pos_v2) = any_value(n_total) THEN 1.0
               ELSE avg(prec_v2) FILTER (WHERE v2 > 0)
           END AS ap_v2
    FROM interpolated
    GROUP BY qid
),
level_ap AS (
    SELECT 'Fair' AS level, avg((ap_f0 + ap_f1 + ap_f2) / 3) AS map FROM pair_ap
    UNION ALL
    SELECT 'Good' AS level, avg((ap_g0 + ap_g1 + ap_g2) / 3) AS map FROM pair_ap
    UNION ALL
    SELECT 'VeryGood' AS level, avg((ap_v0 + ap_v1 + ap_v2) / 3) AS map FROM pair_ap
),
best AS (
    SELECT qid, max(score) AS top
    FROM moment_pred_saliency
    WHERE pred_id = $pred_id
    GROUP BY qid
),
top_clip AS (  -- the first clip with the top score
    SELECT p.qid, min(p.clip_idx) AS clip_idx
    FROM moment_pred_saliency AS p
    JOIN best AS b ON b.qid = p.qid AND p.score = b.top
    WHERE p.pred_id = $pred_id
    GROUP BY p.qid
),
hits AS (
    SELECT l.level, t.qid,  -- a top clip past the video's clips is no hit
           coalesce(max(CAST(s.score >= l.min_score AND t.clip_idx < q.n_clips AS INTEGER)), 0)
               AS hit
    FROM top_clip AS t
    JOIN queries AS q ON q.qid = t.qid
    CROSS JOIN levels AS l
    LEFT JOIN moment_saliency AS s
        ON s.dataset = $dataset AND s.qid = t.qid AND s.clip_idx = t.clip_idx
    GROUP BY l.level, t.qid
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
