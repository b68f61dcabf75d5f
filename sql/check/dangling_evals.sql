-- Evaluations naming a variant that the catalog no longer holds.
SELECT e.eval_id, v.variant_id
FROM evals AS e, (SELECT unnest([e.text_variant, e.video_variant]) AS variant_id) AS v
WHERE v.variant_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM variants AS x WHERE x.variant_id = v.variant_id)
ORDER BY e.eval_id, v.variant_id;
