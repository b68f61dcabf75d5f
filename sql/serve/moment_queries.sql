-- Moments page: one page ($limit from $offset) of the queries of dataset $dataset, those
-- that prediction set $pred_id (NULL: none) answers first, then by qid; n_total counts
-- them all.
SELECT q.qid, q.query, q.video_id, q.duration, q.split,
       EXISTS (SELECT 1 FROM moment_pred_windows AS w
               WHERE w.pred_id = $pred_id AND w.qid = q.qid) AS predicted,
       count(*) OVER () AS n_total
FROM moment_queries AS q
WHERE q.dataset = $dataset
ORDER BY predicted DESC, q.qid
LIMIT $limit OFFSET $offset;
