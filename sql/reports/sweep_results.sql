-- Sweep report: the plain-cosine evaluations whose text and video variants share a
-- backbone and a layer, with each side's pooling and T2V / V2T MRR and R@1; the latest
-- evaluation of each pair on each dataset / split. $dataset / $split NULL = all.
WITH wide AS (
    SELECT eval_id,
           any_value("MRR") FILTER (WHERE direction = 't2v') AS t2v_mrr,
           any_value("R@1") FILTER (WHERE direction = 't2v') AS t2v_r1,
           any_value("MRR") FILTER (WHERE direction = 'v2t') AS v2t_mrr,
           any_value("R@1") FILTER (WHERE direction = 'v2t') AS v2t_r1
    FROM retrieval_metrics
    WHERE grouping = 'all'
    GROUP BY eval_id
)
SELECT e.eval_id, e.dataset, e.split, t.backbone, t.layer,
       TRY_CAST(regexp_extract(t.layer, '^L(\d+)$', 1) AS INTEGER) AS layer_index,
       t.pooling AS text_pooling, v.pooling AS video_pooling, v.temporal, v.frames,
       w.t2v_mrr, w.t2v_r1, w.v2t_mrr, w.v2t_r1
FROM evals AS e
JOIN variants AS t ON t.variant_id = e.text_variant
JOIN variants AS v ON v.variant_id = e.video_variant
JOIN wide AS w USING (eval_id)
WHERE e.rerank = 'none' AND t.backbone = v.backbone AND t.layer = v.layer
  AND ($dataset IS NULL OR e.dataset = $dataset)
  AND ($split IS NULL OR e.split = $split)
QUALIFY row_number() OVER (
    PARTITION BY e.dataset, e.split, e.text_variant, e.video_variant ORDER BY e.eval_id DESC
) = 1
ORDER BY e.dataset, e.split, t.backbone, layer_index NULLS LAST, v.pooling, v.temporal,
         t.pooling;
