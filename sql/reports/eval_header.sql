-- Report header of one evaluation: its setup joined with the catalog rows of its text and
-- video variants (NULL variant columns for evaluations of an external similarity matrix).
SELECT e.eval_id,
       e.dataset,
       e.split,
       e.search,
       eval_search_kind(e.search, e.config) AS search_kind,
       e.ties,
       e.protocol,
       e.config ->> 'similarity' AS similarity,
       e.k,
       e.rerank,
       e.uses_test_statistics,
       e.config -> 'rerank' AS rerank_config,
       e.n_texts,
       e.n_videos,
       e.n_texts_listed,
       e.n_videos_listed,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       e.created_at,
       e.label,
       e.text_variant,
       t.backbone AS text_backbone,
       t.layer AS text_layer,
       t.pooling AS text_pooling,
       t.dim AS text_dim,
       e.video_variant,
       v.backbone AS video_backbone,
       v.layer AS video_layer,
       v.pooling AS video_pooling,
       v.temporal AS video_temporal,
       v.frames AS video_frames,
       v.dim AS video_dim
FROM evals AS e
LEFT JOIN variants AS t ON t.variant_id = e.text_variant
LEFT JOIN variants AS v ON v.variant_id = e.video_variant
WHERE e.eval_id = $eval_id;
