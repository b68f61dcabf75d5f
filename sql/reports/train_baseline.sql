-- The default baseline of a training run's report: the latest evaluation of the same dataset
-- and split whose text and video variants were both ingested (not written by a head).
SELECT e.eval_id
FROM evals AS e
JOIN variants AS t ON t.variant_id = e.text_variant
JOIN variants AS v ON v.variant_id = e.video_variant
WHERE e.dataset = $dataset AND e.split = $split
  AND json_extract_string(t.config, '$.train_run') IS NULL
  AND json_extract_string(v.config, '$.train_run') IS NULL
ORDER BY e.eval_id DESC
LIMIT 1;
