-- Compare page: the queries of one direction evaluated by both $eval_a and $eval_b, with
-- both ranks and the move (rank in B - rank in A, negative = B ranks the ground truth
-- higher); the $n that improved most and the $n that got worse most.
WITH both_ranks AS (
    SELECT a.query_id, a.rank AS rank_a, b.rank AS rank_b, b.rank - a.rank AS move
    FROM query_result_rows AS a
    JOIN query_result_rows AS b
      ON b.eval_id = $eval_b AND b.direction = a.direction AND b.query_id = a.query_id
    WHERE a.eval_id = $eval_a AND a.direction = $direction
),
ordered AS (
    SELECT *,
           row_number() OVER (ORDER BY move, query_id) AS up_pos,
           row_number() OVER (ORDER BY move DESC, query_id) AS down_pos
    FROM both_ranks
)
SELECT CASE WHEN o.up_pos <= $n AND o.move < 0 THEN 'improved' ELSE 'worse' END AS kind,
       o.query_id, o.rank_a, o.rank_b, o.move, c.text AS query_text
FROM ordered AS o
JOIN evals AS e ON e.eval_id = $eval_a
LEFT JOIN captions AS c
       ON $direction = 't2v' AND c.dataset = e.dataset AND c.caption_id = o.query_id
WHERE (o.up_pos <= $n AND o.move < 0) OR (o.down_pos <= $n AND o.move > 0)
ORDER BY kind, abs(o.move) DESC, o.query_id;
