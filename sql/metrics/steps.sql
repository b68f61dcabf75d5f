-- Step grounding metrics (Ego4D NLQ style) over the relations step_truth(qid, start_s,
-- end_s) and step_predictions(qid, rank, start_s, end_s, score), rank 0 = best:
--   Rk@t = 100 * share of steps with a window among their first k predictions whose
--          temporal IoU with the truth is strictly greater than t;
--   mIoU = 100 * mean IoU of each step's first prediction.
-- A step without predictions counts as a miss with IoU 0 ($protocol 'vtr'); under
-- $protocol 'ego4d' only the steps with at least one predicted window are averaged, as
-- the Ego4D NLQ evaluation averages over the predictions it receives.
WITH evaluated AS (
    SELECT t.*
    FROM step_truth AS t
    WHERE $protocol = 'vtr' OR t.qid IN (SELECT qid FROM step_predictions)
),
iou AS (
    SELECT t.qid, p.rank,
           CASE
               WHEN p.rank IS NULL THEN 0.0
               ELSE greatest(0.0, least(t.end_s, p.end_s) - greatest(t.start_s, p.start_s))
                    / (greatest(t.end_s, p.end_s) - least(t.start_s, p.start_s))
           END AS iou
    FROM evaluated AS t
    LEFT JOIN step_predictions AS p ON p.qid = t.qid
),
per_step AS (
    SELECT qid,
           coalesce(max(iou) FILTER (WHERE rank < 1), 0.0) AS top1,
           coalesce(max(iou) FILTER (WHERE rank < 5), 0.0) AS top5
    FROM iou
    GROUP BY qid
)
SELECT 100 * avg(CAST(top1 > 0.3 AS DOUBLE)) AS "R1@0.3",
       100 * avg(CAST(top1 > 0.5 AS DOUBLE)) AS "R1@0.5",
       100 * avg(CAST(top5 > 0.3 AS DOUBLE)) AS "R5@0.3",
       100 * avg(CAST(top5 > 0.5 AS DOUBLE)) AS "R5@0.5",
       100 * avg(top1) AS "mIoU"
FROM per_step;
