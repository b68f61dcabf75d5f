-- Whether evaluations $eval_a and $eval_b hold the same queries (direction, query id), as a
-- paired test needs: how many are only in one of them, and a few of those ids.
WITH a AS (SELECT direction, query_id FROM query_result_rows WHERE eval_id = $eval_a),
b AS (SELECT direction, query_id FROM query_result_rows WHERE eval_id = $eval_b),
only_a AS (SELECT * FROM a EXCEPT SELECT * FROM b),
only_b AS (SELECT * FROM b EXCEPT SELECT * FROM a)
SELECT (SELECT count(*) FROM a) AS n_a,
       (SELECT count(*) FROM b) AS n_b,
       (SELECT count(*) FROM only_a) AS n_only_a,
       (SELECT count(*) FROM only_b) AS n_only_b,
       (SELECT list(direction || ' ' || query_id ORDER BY direction, query_id)[1:3] FROM only_a)
           AS examples_a,
       (SELECT list(direction || ' ' || query_id ORDER BY direction, query_id)[1:3] FROM only_b)
           AS examples_b;
