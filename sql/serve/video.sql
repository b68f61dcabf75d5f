-- Video page: one video of a dataset (no row: unknown) with its category's name.
SELECT v.dataset, v.video_id, v.split, v.duration, v.fps, v.width, v.height,
       k.name AS category
FROM videos AS v
LEFT JOIN categories AS k ON k.dataset = v.dataset AND k.category_id = v.category_id
WHERE v.dataset = $dataset AND v.video_id = $video_id;
