-- Steps page: one step video's split (no row: the video has no steps in $dataset).
SELECT v.split
FROM videos AS v
WHERE v.dataset = $dataset AND v.video_id = $video_id
  AND EXISTS (SELECT 1 FROM steps AS s WHERE s.dataset = $dataset AND s.video_id = $video_id);
