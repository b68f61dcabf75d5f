DELETE FROM eval_query_results WHERE eval_id = $eval_id;
