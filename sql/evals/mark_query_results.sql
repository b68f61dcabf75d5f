-- Evaluation $eval_id's per-query results are in eval_query_results: the metric views read
-- them from there.
UPDATE evals SET query_results_stored = true WHERE eval_id = $eval_id;
