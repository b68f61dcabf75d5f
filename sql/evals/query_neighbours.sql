-- The stored top-k neighbours of every query of one evaluation, both directions or
-- $direction alone (NULL = both), best first.
SELECT direction, query_id, position, target_id, score
FROM neighbours
WHERE eval_id = $eval_id AND ($direction IS NULL OR direction = $direction)
ORDER BY direction, query_id, position;
