-- Moments page: the prediction sets of dataset $dataset, with the queries each covers.
SELECT p.pred_id, p.source, p.created_at,
       (SELECT count(DISTINCT w.qid) FROM moment_pred_windows AS w
        WHERE w.pred_id = p.pred_id) AS n_queries
FROM moment_predictions AS p
WHERE p.dataset = $dataset
ORDER BY p.pred_id;
