-- Bulk upsert from the registered Arrow table dataset_videos_in. A re-registration updates
-- what the annotations say (path, category, split) but never erases what the decoder
-- measured (fps, size, frame count) with an unknown value.
INSERT INTO videos
    (dataset, video_id, path, duration, fps, width, height, n_frames, category_id, split,
     file_size, file_mtime)
SELECT $dataset, video_id, path, duration, fps, width, height, n_frames, category_id, split,
       file_size, file_mtime
FROM dataset_videos_in
ON CONFLICT (dataset, video_id) DO UPDATE SET
    path = coalesce(excluded.path, videos.path),
    duration = coalesce(excluded.duration, videos.duration),
    fps = coalesce(excluded.fps, videos.fps),
    width = coalesce(excluded.width, videos.width),
    height = coalesce(excluded.height, videos.height),
    n_frames = coalesce(excluded.n_frames, videos.n_frames),
    category_id = excluded.category_id,
    split = excluded.split,
    file_size = coalesce(excluded.file_size, videos.file_size),
    file_mtime = coalesce(excluded.file_mtime, videos.file_mtime);
