-- Every evaluation with its headline numbers (R@1 both directions, from the view
-- retrieval_metrics). rerank is 'none' for plain cosine; a re-ranking that used
-- statistics of the test queries is marked with '*'. search_kind is 'exact' or
-- 'ann (nprobes=N)' (ranks past k censored); ties and protocol say how ranks and
-- metrics were computed; coverage is 'full' or the items evaluated / listed
-- (`vtr eval --missing skip`).
WITH r1 AS (
    SELECT eval_id,
           any_value("R@1") FILTER (WHERE direction = 't2v') AS t2v_r1,
           any_value("R@1") FILTER (WHERE direction = 'v2t') AS v2t_r1
    FROM retrieval_metrics
    WHERE grouping = 'all'
    GROUP BY eval_id
)
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.label, e.search,
       eval_search_kind(e.search, e.config) AS search_kind, e.ties, e.protocol,
       e.rerank || CASE WHEN e.uses_test_statistics THEN '*' ELSE '' END AS rerank,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       e.k, e.n_texts, e.n_videos, r1.t2v_r1 AS "t2v R@1", r1.v2t_r1 AS "v2t R@1", e.created_at
FROM evals AS e
LEFT JOIN r1 USING (eval_id)
ORDER BY e.eval_id;
