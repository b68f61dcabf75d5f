DELETE FROM ranks WHERE eval_id = $eval_id;
