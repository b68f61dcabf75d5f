-- Evaluation page: the setup of one evaluation (no row: unknown eval id).
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.label, e.k,
       e.rerank || CASE WHEN e.uses_test_statistics THEN '*' ELSE '' END AS rerank,
       eval_search_kind(e.search, e.config) AS search_kind, e.ties, e.protocol,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       e.n_texts, e.n_videos, e.created_at
FROM evals AS e
WHERE e.eval_id = $eval_id;
