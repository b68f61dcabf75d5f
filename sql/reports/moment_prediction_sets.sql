-- The catalog rows of the given prediction sets, in the order asked.
SELECT p.pred_id, p.dataset, p.source, p.config, p.created_at
FROM moment_predictions AS p
JOIN unnest($pred_ids) WITH ORDINALITY AS asked(pred_id, position) ON asked.pred_id = p.pred_id
ORDER BY asked.position;
