-- The chunks (clips of a clip-level ingest) of every step video of a split ($split NULL:
-- all), in time order, each with the step whose window holds the chunk's midpoint
-- (NULL: background).
SELECT c.video_id, v.split, c.clip_idx, c.item_id, c.start_s, c.end_s, s.qid AS step_qid
FROM video_clips AS c
JOIN videos AS v ON v.dataset = c.dataset AND v.video_id = c.video_id
LEFT JOIN steps AS s
       ON s.dataset = c.dataset AND s.video_id = c.video_id
      AND (c.start_s + c.end_s) / 2 >= s.start_s AND (c.start_s + c.end_s) / 2 < s.end_s
WHERE c.dataset = $dataset AND ($split IS NULL OR v.split = $split)
  AND c.video_id IN (SELECT video_id FROM steps WHERE dataset = $dataset)
ORDER BY c.video_id, c.clip_idx;
