-- Sweep: every (text variant, video variant) pair of the same backbone, layer and dim
-- (final/embed with final/embed, L4 with L4, ...); `evaluated` is true when the pair
-- already has a plain-cosine evaluation on $dataset / $split ($split NULL = every video).
SELECT t.variant_id AS text_variant, v.variant_id AS video_variant,
       EXISTS (
           SELECT 1 FROM evals AS e
           WHERE e.dataset = $dataset AND e.split IS NOT DISTINCT FROM $split
             AND e.text_variant = t.variant_id AND e.video_variant = v.variant_id
             AND e.rerank = 'none'
       ) AS evaluated
FROM variants AS t
JOIN variants AS v
  ON v.backbone = t.backbone AND v.layer = t.layer AND v.dim = t.dim
WHERE t.modality = 'text' AND v.modality = 'video'
ORDER BY t.backbone, t.layer, v.pooling, v.temporal, t.pooling;
