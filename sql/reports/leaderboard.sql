-- Comparison report: one row per evaluation (all of them, or those in the list $eval_ids
-- when it is not NULL) with its setup and T2V/V2T metrics from the view
-- retrieval_metrics_wide ("t2v_R@1", ..., "v2t_mAP": every metric), best T2V R@1 first. `test_statistics` marks re-ranked results that
-- used statistics of the test queries themselves (e.g. dual softmax); search_kind is
-- 'exact' or 'ann (nprobes=N)', whose ranks past k are censored; coverage is 'full' or
-- the items evaluated / listed (a partial gallery makes R@K look better).
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.label, e.rerank,
       eval_search_kind(e.search, e.config) AS search_kind, e.ties, e.protocol,
       e.uses_test_statistics AS test_statistics, e.n_texts, e.n_videos,
       eval_coverage(e.n_videos, e.n_videos_listed, e.n_texts, e.n_texts_listed) AS coverage,
       w.* EXCLUDE (eval_id, grouping, category_id, name, bucket)
FROM evals AS e
JOIN retrieval_metrics_wide AS w ON w.eval_id = e.eval_id AND w.grouping = 'all'
WHERE $eval_ids IS NULL OR list_contains($eval_ids, e.eval_id)
ORDER BY w."t2v_R@1" DESC, w."t2v_MRR" DESC, e.eval_id;
