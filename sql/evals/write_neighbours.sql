-- Bulk insert from the registered Arrow table eval_neighbours_in (position is 1-based).
INSERT INTO neighbours (eval_id, direction, query_id, position, target_id, score)
SELECT $eval_id, direction, query_id, position, target_id, score
FROM eval_neighbours_in;
