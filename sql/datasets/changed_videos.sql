-- Videos of $dataset whose file in the registered Arrow table dataset_videos_in has
-- another size or modification time than when it was registered (only where both
-- were recorded).
SELECT v.video_id
FROM videos AS v
JOIN dataset_videos_in AS n ON n.video_id = v.video_id
WHERE v.dataset = $dataset
  AND v.file_size IS NOT NULL AND n.file_size IS NOT NULL
  AND (v.file_size <> n.file_size OR v.file_mtime IS DISTINCT FROM n.file_mtime)
ORDER BY v.video_id;
