-- Videos and captions per split of a dataset (NULL split = '(none)'), to refuse a
-- training run whose train, val or test split is empty before a run row is written.
SELECT coalesce(v.split, '(none)') AS split,
       count(DISTINCT v.video_id) AS n_videos,
       count(c.caption_id) AS n_captions
FROM videos AS v
LEFT JOIN captions AS c ON c.dataset = v.dataset AND c.video_id = v.video_id
WHERE v.dataset = $dataset
GROUP BY ALL
ORDER BY split;
