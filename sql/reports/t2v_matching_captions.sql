-- T2V recall of one evaluation over the captions whose text matches the regular expression
-- $pattern (e.g. captions naming a motion direction), from the query_results view.
SELECT count(*) AS n_queries,
       100 * avg(CAST(q.rank <= 1 AS DOUBLE)) AS "R@1",
       100 * avg(CAST(q.rank <= 5 AS DOUBLE)) AS "R@5",
       100 * avg(CAST(q.rank <= 10 AS DOUBLE)) AS "R@10",
       quantile_cont(CAST(q.rank AS DOUBLE), 0.5) AS "MedR"
FROM query_results AS q
JOIN evals AS e ON e.eval_id = q.eval_id
JOIN captions AS c ON c.dataset = e.dataset AND c.caption_id = q.query_id
WHERE q.eval_id = $eval_id AND q.direction = 't2v' AND regexp_matches(c.text, $pattern);
