-- The stored top-k neighbours of the queries $query_ids (one direction of an evaluation):
-- each target with its score, whether it is a ground-truth item of the query, and what
-- shows it: t2v, the video id (thumbnail); v2t, the caption's text and its video.
SELECT n.query_id, n.position, n.target_id, n.score,
       g.target_id IS NOT NULL AS is_gt,
       CASE WHEN n.direction = 't2v' THEN n.target_id ELSE c.video_id END AS video_id,
       c.text AS target_text
FROM neighbours AS n
JOIN evals AS e ON e.eval_id = n.eval_id
LEFT JOIN relevant_ranks AS g
       ON g.eval_id = n.eval_id AND g.direction = n.direction
      AND g.query_id = n.query_id AND g.target_id = n.target_id
LEFT JOIN captions AS c
       ON n.direction = 'v2t' AND c.dataset = e.dataset AND c.caption_id = n.target_id
WHERE n.eval_id = $eval_id AND n.direction = $direction
  AND list_contains($query_ids, n.query_id)
ORDER BY n.query_id, n.position;
