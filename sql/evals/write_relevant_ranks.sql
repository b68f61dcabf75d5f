-- Bulk insert from the registered Arrow table eval_relevant_in.
INSERT INTO relevant_ranks (eval_id, direction, query_id, target_id, rank)
SELECT $eval_id, direction, query_id, target_id, rank
FROM eval_relevant_in;
