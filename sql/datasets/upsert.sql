-- Create a dataset row, or update its metadata when it is registered again.
INSERT INTO datasets (dataset, format, annotations, video_root)
VALUES ($dataset, $format, $annotations, $video_root)
ON CONFLICT (dataset) DO UPDATE SET
    format = excluded.format,
    annotations = excluded.annotations,
    video_root = coalesce(excluded.video_root, datasets.video_root);
