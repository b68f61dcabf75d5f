-- Per query of prediction set $pred_id: the best IoU of its top-ranked window with a
-- ground-truth window, and the mean annotator score of its highest-scored clip.
-- Ordered best first (IoU, then that clip's score, then qid).
WITH top1 AS (
    SELECT p.qid, p.start_s, p.end_s
    FROM moment_pred_windows AS p
    WHERE p.pred_id = $pred_id AND p.rank = 0
),
iou AS (
    SELECT t.qid,
           max(greatest(least(t.end_s, w.end_s) - greatest(t.start_s, w.start_s), 0)
               / (greatest(t.end_s, w.end_s) - least(t.start_s, w.start_s))) AS top1_iou
    FROM top1 AS t
    JOIN moment_windows AS w ON w.dataset = $dataset AND w.qid = t.qid
    GROUP BY t.qid
),
top_clip AS (
    SELECT qid, arg_max(clip_idx, [score, CAST(-clip_idx AS DOUBLE)]) AS clip_idx
    FROM moment_pred_saliency
    WHERE pred_id = $pred_id
    GROUP BY qid
)
SELECT q.qid, q.query, q.video_id, i.top1_iou,
       coalesce((SELECT avg(s.score) FROM moment_saliency AS s
                 WHERE s.dataset = $dataset AND s.qid = q.qid
                   AND s.clip_idx = c.clip_idx), 0) AS top_clip_saliency
FROM iou AS i
JOIN moment_queries AS q ON q.dataset = $dataset AND q.qid = i.qid
JOIN top_clip AS c ON c.qid = i.qid
ORDER BY i.top1_iou DESC, top_clip_saliency DESC, q.qid;
