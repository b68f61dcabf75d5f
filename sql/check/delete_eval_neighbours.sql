DELETE FROM neighbours WHERE eval_id = $eval_id;
