-- Moment retrieval metrics of prediction set $pred_id against dataset $dataset, with the
-- semantics of the official QVHighlights evaluation (moment_detr standalone_eval/eval.py):
-- * length buckets keep only the ground-truth windows whose length l satisfies
--   min < l <= max (short (0, 10], middle (10, 30], long (30, 150]) and only the queries
--   left with at least one window; 'full' keeps every window.
-- * mAP@t: per query, the first 10 predicted windows (file order) sorted by score (stable),
--   greedily matched to the unmatched ground-truth window of highest IoU >= t; AP is the
--   VOC-style interpolated area (precision made monotone from the right, summed over the
--   recall steps); averaged over the queries, a query without predicted windows (an
--   empty list next to its saliency scores) counting as AP 0, as it counts as an R1 miss
--   (the official script leaves it out of mAP and cannot score its R1).
-- * R1@t: the first listed window against the ground-truth window it overlaps most
--   (first one on ties); IoU with the enclosing span as union, as the reference does.
-- $only_predicted: score only the queries that the set predicts (one split of a dataset).
-- One row per (bucket, iou threshold) with n_queries, "R1" and "mAP" as fractions.
WITH RECURSIVE
buckets(bucket, min_len, max_len) AS (
    VALUES ('short', 0.0, 10.0), ('middle', 10.0, 30.0), ('long', 30.0, 150.0),
           ('full', NULL, NULL)
),
thresholds AS (
    SELECT CAST(t AS DOUBLE) AS thr
    FROM (VALUES ('0.5'), ('0.55'), ('0.6'), ('0.65'), ('0.7'), ('0.75'), ('0.8'), ('0.85'),
                 ('0.9'), ('0.95')) AS v(t)
),
gt AS (
    SELECT b.bucket, w.qid, w.window_idx, w.start_s, w.end_s
    FROM moment_windows AS w
    CROSS JOIN buckets AS b
    WHERE w.dataset = $dataset
      AND (NOT $only_predicted
           OR w.qid IN (SELECT qid FROM moment_pred_windows WHERE pred_id = $pred_id
                        UNION
                        SELECT qid FROM moment_pred_saliency WHERE pred_id = $pred_id))
      AND (b.bucket = 'full'
           OR (w.end_s - w.start_s > b.min_len AND w.end_s - w.start_s <= b.max_len))
),
gt_queries AS (
    SELECT DISTINCT bucket, qid FROM gt
),
pred AS (
    SELECT g.bucket, p.qid, p.start_s, p.end_s,
           row_number() OVER (PARTITION BY g.bucket, p.qid ORDER BY p.score DESC, p.rank) AS pos
    FROM moment_pred_windows AS p
    JOIN gt_queries AS g ON g.qid = p.qid
    WHERE p.pred_id = $pred_id AND p.rank < 10
),
pair_iou AS (
    SELECT p.bucket, p.qid, p.pos, g.window_idx,
           greatest(least(p.end_s, g.end_s) - greatest(p.start_s, g.start_s), 0) AS inter,
           (p.end_s - p.start_s) + (g.end_s - g.start_s) - inter AS union_len,
           inter / union_len AS iou
    FROM pred AS p
    JOIN gt AS g ON g.bucket = p.bucket AND g.qid = p.qid
),
matched(bucket, thr, qid, pos, locked, tp) AS (
    SELECT q.bucket, t.thr, q.qid, 0, CAST([] AS INTEGER[]), false
    FROM gt_queries AS q
    CROSS JOIN thresholds AS t
    UNION ALL
    SELECT bucket, thr, qid, pos,
           CASE WHEN chosen IS NULL THEN locked ELSE list_append(locked, chosen) END,
           chosen IS NOT NULL
    FROM (
        SELECT m.bucket, m.thr, m.qid, p.pos, m.locked,
               (SELECT i.window_idx
                FROM pair_iou AS i
                WHERE i.bucket = m.bucket AND i.qid = m.qid AND i.pos = p.pos
                  AND i.iou >= m.thr AND NOT list_contains(m.locked, i.window_idx)
                ORDER BY i.iou DESC, i.window_idx DESC
                LIMIT 1) AS chosen
        FROM matched AS m
        JOIN pred AS p ON p.bucket = m.bucket AND p.qid = m.qid AND p.pos = m.pos + 1
    )
),
n_gt AS (
    SELECT bucket, qid, count(*) AS n FROM gt GROUP BY bucket, qid
),
curve AS (
    SELECT m.bucket, m.thr, m.qid, m.pos, m.tp, n.n,
           sum(CAST(m.tp AS INTEGER)) OVER w AS tp_cum
    FROM matched AS m
    JOIN n_gt AS n ON n.bucket = m.bucket AND n.qid = m.qid
    WHERE m.pos > 0
    WINDOW w AS (PARTITION BY m.bucket, m.thr, m.qid ORDER BY m.pos)
),
interpolated AS (
    SELECT *,
           max(CAST(tp_cum AS DOUBLE) / pos) OVER (
               PARTITION BY bucket, thr, qid ORDER BY pos
               ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
           ) AS precision_interp
    FROM curve
),
query_ap AS (  -- every query of the bucket: one without predicted windows has AP 0
    SELECT q.bucket, t.thr, q.qid,
           coalesce(sum((CAST(i.tp_cum AS DOUBLE) / i.n - CAST(i.tp_cum - 1 AS DOUBLE) / i.n)
                        * i.precision_interp) FILTER (WHERE i.tp), 0) AS ap
    FROM gt_queries AS q
    CROSS JOIN thresholds AS t
    LEFT JOIN interpolated AS i ON i.bucket = q.bucket AND i.thr = t.thr AND i.qid = q.qid
    WHERE EXISTS (SELECT 1 FROM moment_pred_windows WHERE pred_id = $pred_id)  -- a set of
    GROUP BY q.bucket, t.thr, q.qid                          -- saliency only has no MR
),
top1 AS (
    SELECT g.bucket, g.qid, p.start_s, p.end_s
    FROM gt_queries AS g
    LEFT JOIN moment_pred_windows AS p ON p.qid = g.qid AND p.pred_id = $pred_id AND p.rank = 0
),
top1_gt AS (
    SELECT t.bucket, t.qid,
           arg_max([g.start_s, g.end_s], [
               CAST(greatest(least(t.end_s, g.end_s) - greatest(t.start_s, g.start_s), 0)
                    / ((t.end_s - t.start_s) + (g.end_s - g.start_s)
                       - greatest(least(t.end_s, g.end_s) - greatest(t.start_s, g.start_s), 0))
                    AS DOUBLE),
               CAST(-g.window_idx AS DOUBLE)]) AS best,
           any_value(t.start_s) AS p_start, any_value(t.end_s) AS p_end
    FROM top1 AS t
    JOIN gt AS g ON g.bucket = t.bucket AND g.qid = t.qid
    GROUP BY t.bucket, t.qid
),
top1_iou AS (
    SELECT bucket, qid,
           CASE
               WHEN p_start IS NULL THEN 0.0
               WHEN greatest(p_end, best[2]) - least(p_start, best[1]) = 0 THEN 0.0
               ELSE greatest(least(p_end, best[2]) - greatest(p_start, best[1]), 0)
                    / (greatest(p_end, best[2]) - least(p_start, best[1]))
           END AS iou
    FROM top1_gt
),
r1 AS (
    SELECT i.bucket, t.thr, count(*) AS n_queries, avg(CAST(i.iou >= t.thr AS DOUBLE)) AS r1
    FROM top1_iou AS i
    CROSS JOIN thresholds AS t
    GROUP BY i.bucket, t.thr
),
map_by_thr AS (
    SELECT bucket, thr, avg(ap) AS m_ap FROM query_ap GROUP BY bucket, thr
)
SELECT r1.bucket, r1.thr, r1.n_queries, r1.r1 AS "R1", m.m_ap AS "mAP"
FROM r1
LEFT JOIN map_by_thr AS m ON m.bucket = r1.bucket AND m.thr = r1.thr
ORDER BY r1.bucket, r1.thr;
