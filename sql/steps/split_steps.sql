-- The steps of one split (NULL: all) of a dataset, with their descriptions and their
-- video's file and duration, in video then step order.
SELECT s.qid, s.video_id, s.step_index, s.start_s, s.end_s, c.text AS query,
       v.path, v.duration
FROM steps AS s
JOIN videos AS v ON v.dataset = s.dataset AND v.video_id = s.video_id
LEFT JOIN captions AS c ON c.dataset = s.dataset AND c.caption_id = s.qid
WHERE s.dataset = $dataset AND ($split IS NULL OR v.split = $split)
ORDER BY s.video_id, s.step_index;
