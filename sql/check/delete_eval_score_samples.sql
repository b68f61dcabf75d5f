DELETE FROM score_samples WHERE eval_id = $eval_id;
