-- Video page: the captions of one video, each with its t2v rank in every evaluation of
-- the dataset that ranked it (eval_id and rank NULL: no evaluation ranked the caption).
WITH ranked AS (
    SELECT q.eval_id, q.query_id, q.rank
    FROM query_result_rows AS q
    JOIN evals AS e ON e.eval_id = q.eval_id AND e.dataset = $dataset
    WHERE q.direction = 't2v'
)
SELECT c.caption_id, c.text, c.n_words, c.split, r.eval_id, r.rank
FROM captions AS c
LEFT JOIN ranked AS r ON r.query_id = c.caption_id
WHERE c.dataset = $dataset AND c.video_id = $video_id
ORDER BY c.caption_id, r.eval_id;
