-- Every evaluation with its headline numbers (R@1 both directions), then every metric both
-- ways ("t2v_R@1", ..., from the view retrieval_metrics_wide). rerank is 'none' for plain
-- cosine; a re-ranking that used statistics of the test queries is marked with '*'.
-- search_kind is 'exact' or 'ann (nprobes=N)' (ranks past k censored); ties and
-- protocol say how ranks and metrics were computed; coverage is 'full' or the items evaluated / listed
-- (`vtr eval --missing skip`).
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.label, e.search,
       eval_search_kind(e.search, e.config) AS search_kind, e.ties, e.protocol,
       e.rerank || CASE WHEN e.uses_test_statistics THEN '*' ELSE '' END AS rerank,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       e.k, e.n_texts, e.n_videos, w."t2v_R@1" AS "t2v R@1", w."v2t_R@1" AS "v2t R@1",
       e.created_at,
       w.* EXCLUDE (eval_id, grouping, category_id, name, bucket)
FROM evals AS e
LEFT JOIN retrieval_metrics_wide AS w ON w.eval_id = e.eval_id AND w.grouping = 'all'
ORDER BY e.eval_id;
