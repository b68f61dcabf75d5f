-- Bulk insert from the registered Arrow table eval_scores_in.
INSERT INTO score_samples (eval_id, matching, score)
SELECT $eval_id, matching, score
FROM eval_scores_in;
