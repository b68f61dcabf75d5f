-- The file of one video, as the catalog records it (the only way the server finds a file).
SELECT path FROM videos WHERE dataset = $dataset AND video_id = $video_id;
