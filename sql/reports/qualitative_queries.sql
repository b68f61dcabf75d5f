-- Qualitative cases: the $n best and $n worst queries of one direction of an evaluation
-- (by the rank of their ground truth; ties: higher ground-truth score is better), with
-- the query's text (t2v: its caption; v2t: NULL) and, for t2v, its ground-truth video
-- and that video's file. A query that is among both the best and the worst is 'best'.
WITH q AS (
    SELECT r.query_id, r.rank, r.gt_score,
           row_number() OVER (ORDER BY r.rank, r.gt_score DESC, r.query_id) AS best_pos,
           row_number() OVER (ORDER BY r.rank DESC, r.gt_score, r.query_id) AS worst_pos
    FROM ranks AS r
    WHERE r.eval_id = $eval_id AND r.direction = $direction
)
SELECT CASE WHEN q.best_pos <= $n THEN 'best' ELSE 'worst' END AS kind,
       q.query_id, q.rank, q.gt_score,
       c.text AS query_text,
       g.target_id AS gt_video,
       v.path AS gt_path,
       qv.path AS query_path
FROM q
JOIN evals AS e ON e.eval_id = $eval_id
LEFT JOIN captions AS c
       ON $direction = 't2v' AND c.dataset = e.dataset AND c.caption_id = q.query_id
LEFT JOIN relevant_ranks AS g
       ON $direction = 't2v' AND g.eval_id = $eval_id AND g.direction = 't2v'
      AND g.query_id = q.query_id
LEFT JOIN videos AS v ON v.dataset = e.dataset AND v.video_id = g.target_id
LEFT JOIN videos AS qv
       ON $direction = 'v2t' AND qv.dataset = e.dataset AND qv.video_id = q.query_id
WHERE q.best_pos <= $n OR q.worst_pos <= $n
ORDER BY kind, CASE WHEN q.best_pos <= $n THEN q.best_pos ELSE q.worst_pos END;
