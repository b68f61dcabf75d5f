-- Per-query ranks of one evaluation, both directions or $direction alone (NULL = both).
SELECT direction, query_id, rank
FROM ranks
WHERE eval_id = $eval_id AND ($direction IS NULL OR direction = $direction)
ORDER BY direction, query_id;
