-- Evaluations that rank something but hold no rank rows.
SELECT e.eval_id, e.text_variant, e.video_variant, e.n_texts, e.n_videos
FROM evals AS e
WHERE e.n_texts + e.n_videos > 0
  AND NOT EXISTS (SELECT 1 FROM ranks AS r WHERE r.eval_id = e.eval_id)
ORDER BY e.eval_id;
