-- Qualitative cases: the first $top neighbours of the queries $query_ids (one direction of
-- an evaluation), each with its score, whether it is a ground-truth item of the query,
-- and what shows it: t2v, the video's file; v2t, the caption's text.
SELECT n.query_id, n.position, n.target_id, n.score,
       g.target_id IS NOT NULL AS is_gt,
       v.path AS target_path,
       c.text AS target_text
FROM neighbours AS n
JOIN evals AS e ON e.eval_id = n.eval_id
LEFT JOIN relevant_ranks AS g
       ON g.eval_id = n.eval_id AND g.direction = n.direction
      AND g.query_id = n.query_id AND g.target_id = n.target_id
LEFT JOIN videos AS v
       ON n.direction = 't2v' AND v.dataset = e.dataset AND v.video_id = n.target_id
LEFT JOIN captions AS c
       ON n.direction = 'v2t' AND c.dataset = e.dataset AND c.caption_id = n.target_id
WHERE n.eval_id = $eval_id AND n.direction = $direction
  AND list_contains($query_ids, n.query_id) AND n.position <= $top
ORDER BY n.query_id, n.position;
