-- Comparison report: one row per evaluation (all of them, or those in the list $eval_ids
-- when it is not NULL) with its setup and T2V/V2T metrics from the view
-- retrieval_metrics, best T2V R@1 first. `test_statistics` marks re-ranked results that
-- used statistics of the test queries themselves (e.g. dual softmax); search_kind is
-- 'exact' or 'ann (nprobes=N)', whose ranks past k are censored; coverage is 'full' or
-- the items evaluated / listed (a partial gallery makes R@K look better).
WITH wide AS (
    SELECT eval_id,
           any_value("R@1") FILTER (WHERE direction = 't2v') AS t2v_r1,
           any_value("R@5") FILTER (WHERE direction = 't2v') AS t2v_r5,
           any_value("R@10") FILTER (WHERE direction = 't2v') AS t2v_r10,
           any_value("MedR") FILTER (WHERE direction = 't2v') AS t2v_medr,
           any_value("MRR") FILTER (WHERE direction = 't2v') AS t2v_mrr,
           any_value("R@1") FILTER (WHERE direction = 'v2t') AS v2t_r1,
           any_value("R@5") FILTER (WHERE direction = 'v2t') AS v2t_r5,
           any_value("R@10") FILTER (WHERE direction = 'v2t') AS v2t_r10,
           any_value("MedR") FILTER (WHERE direction = 'v2t') AS v2t_medr,
           any_value("MRR") FILTER (WHERE direction = 'v2t') AS v2t_mrr
    FROM retrieval_metrics
    WHERE grouping = 'all'
    GROUP BY eval_id
)
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.label, e.rerank,
       eval_search_kind(e.search, e.config) AS search_kind, e.ties, e.protocol,
       e.uses_test_statistics AS test_statistics, e.n_texts, e.n_videos,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       w.* EXCLUDE (eval_id)
FROM evals AS e
JOIN wide AS w USING (eval_id)
WHERE $eval_ids IS NULL OR list_contains($eval_ids, e.eval_id)
ORDER BY w.t2v_r1 DESC, w.t2v_mrr DESC, e.eval_id;
