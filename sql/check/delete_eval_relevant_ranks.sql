DELETE FROM relevant_ranks WHERE eval_id = $eval_id;
