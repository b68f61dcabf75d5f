-- The clip grid already laid out for the videos in the registered Arrow table
-- import_videos (video_id): clip count and the length of clip 0.
SELECT c.video_id, count(*) AS n_clips,
       any_value(c.end_s - c.start_s) FILTER (WHERE c.clip_idx = 0) AS clip_len
FROM video_clips AS c
WHERE c.dataset = $dataset AND c.video_id IN (SELECT video_id FROM import_videos)
GROUP BY c.video_id;
