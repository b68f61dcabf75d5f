-- Dataset report: how many videos have n captions, per split.
WITH per_video AS (
    SELECT coalesce(v.split, '(none)') AS split, v.video_id, count(c.caption_id) AS n_captions
    FROM videos AS v
    LEFT JOIN captions AS c ON c.dataset = v.dataset AND c.video_id = v.video_id
    WHERE v.dataset = $dataset
    GROUP BY ALL
)
SELECT split, n_captions, count(*) AS n_videos
FROM per_video
GROUP BY ALL
ORDER BY split, n_captions;
