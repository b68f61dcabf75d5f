-- Sweep report: the plain-cosine evaluations whose text and video variants share a
-- backbone and a layer, with each side's pooling and every T2V / V2T metric ("t2v_MRR", ...); the latest
-- evaluation of each pair on each dataset / split. $dataset / $split NULL = all.
SELECT e.eval_id, e.dataset, e.split, t.backbone, t.layer,
       TRY_CAST(regexp_extract(t.layer, '^L(\d+)$', 1) AS INTEGER) AS layer_index,
       t.pooling AS text_pooling, v.pooling AS video_pooling, v.temporal, v.frames,
       w.* EXCLUDE (eval_id, grouping, category_id, name, bucket)
FROM evals AS e
JOIN variants AS t ON t.variant_id = e.text_variant
JOIN variants AS v ON v.variant_id = e.video_variant
JOIN retrieval_metrics_wide AS w ON w.eval_id = e.eval_id AND w.grouping = 'all'
WHERE e.rerank = 'none' AND t.backbone = v.backbone AND t.layer = v.layer
  AND ($dataset IS NULL OR e.dataset = $dataset)
  AND ($split IS NULL OR e.split = $split)
QUALIFY row_number() OVER (
    PARTITION BY e.dataset, e.split, e.text_variant, e.video_variant ORDER BY e.eval_id DESC
) = 1
ORDER BY e.dataset, e.split, t.backbone, layer_index NULLS LAST, v.pooling, v.temporal,
         t.pooling;
