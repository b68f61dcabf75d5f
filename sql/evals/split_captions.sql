-- The text queries of an evaluation: captions whose VIDEO is in the split (the caption's own
-- split column is not consulted, so a caption always evaluates with its video).
SELECT c.caption_id, c.video_id
FROM captions AS c
JOIN videos AS v ON v.dataset = c.dataset AND v.video_id = c.video_id
WHERE c.dataset = $dataset AND ($split IS NULL OR v.split = $split)
ORDER BY c.caption_id;
