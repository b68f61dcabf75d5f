-- Every evaluation with its headline numbers (R@1 both directions).
WITH r1 AS (
    SELECT eval_id,
           100 * avg(CAST(rank <= 1 AS DOUBLE)) FILTER (WHERE direction = 't2v') AS t2v_r1,
           100 * avg(CAST(rank <= 1 AS DOUBLE)) FILTER (WHERE direction = 'v2t') AS v2t_r1
    FROM ranks
    GROUP BY eval_id
)
SELECT e.eval_id, e.dataset, e.split, e.text_variant, e.video_variant, e.search, e.k,
       e.n_texts, e.n_videos, r1.t2v_r1 AS "t2v R@1", r1.v2t_r1 AS "v2t R@1", e.created_at
FROM evals AS e
LEFT JOIN r1 USING (eval_id)
ORDER BY e.eval_id;
