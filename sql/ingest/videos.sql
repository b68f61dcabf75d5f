SELECT video_id, path
FROM videos
WHERE dataset = $dataset
ORDER BY video_id;
