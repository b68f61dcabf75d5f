UPDATE videos
SET fps = $fps, n_frames = $n_frames, width = $width, height = $height,
    duration = coalesce(duration, $duration)
WHERE dataset = $dataset AND video_id = $video_id;
