DELETE FROM evals WHERE eval_id = $eval_id;
