-- Home page: every evaluation with its setup, coverage, search kind and the headline
-- metrics of both directions (view retrieval_metrics).
WITH wide AS (
    SELECT eval_id,
           any_value("R@1") FILTER (WHERE direction = 't2v') AS t2v_r1,
           any_value("R@5") FILTER (WHERE direction = 't2v') AS t2v_r5,
           any_value("MedR") FILTER (WHERE direction = 't2v') AS t2v_medr,
           any_value("MRR") FILTER (WHERE direction = 't2v') AS t2v_mrr,
           any_value("R@1") FILTER (WHERE direction = 'v2t') AS v2t_r1,
           any_value("R@5") FILTER (WHERE direction = 'v2t') AS v2t_r5,
           any_value("MedR") FILTER (WHERE direction = 'v2t') AS v2t_medr
    FROM retrieval_metrics
    WHERE grouping = 'all'
    GROUP BY eval_id
)
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.label,
       e.rerank || CASE WHEN e.uses_test_statistics THEN '*' ELSE '' END AS rerank,
       eval_search_kind(e.search, e.config) AS search_kind, e.ties, e.protocol,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       e.k, e.n_texts, e.n_videos,
       w.t2v_r1, w.t2v_r5, w.t2v_medr, w.t2v_mrr, w.v2t_r1, w.v2t_r5, w.v2t_medr,
       e.created_at
FROM evals AS e
LEFT JOIN wide AS w USING (eval_id)
ORDER BY e.eval_id;
