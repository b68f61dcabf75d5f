-- Store the per-query results of evaluation $eval_id (rank, AP, category, caption length),
-- as defined by the view query_results_computed (sql/schema/013_query_results_store.sql),
-- once its ranks and relevant_ranks are written; mark_query_results.sql then marks it stored.
INSERT INTO eval_query_results
SELECT eval_id, direction, query_id, rank, gt_score, ap, video_id, category_id, n_words
FROM query_results_computed
WHERE eval_id = $eval_id;
