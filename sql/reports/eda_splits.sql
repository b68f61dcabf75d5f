-- Dataset report: videos and captions per split (a video's captions count under its
-- split; no split = '(none)'), captions per video, words per caption, durations.
WITH per_video AS (
    SELECT coalesce(v.split, '(none)') AS split, v.video_id, any_value(v.duration) AS duration,
           count(c.caption_id) AS n_captions, sum(c.n_words) AS n_words
    FROM videos AS v
    LEFT JOIN captions AS c ON c.dataset = v.dataset AND c.video_id = v.video_id
    WHERE v.dataset = $dataset
    GROUP BY ALL
)
SELECT split,
       count(*) AS n_videos,
       sum(n_captions) AS n_captions,
       min(n_captions) AS min_captions_per_video,
       avg(n_captions) AS mean_captions_per_video,
       max(n_captions) AS max_captions_per_video,
       sum(n_words) / nullif(sum(n_captions), 0) AS mean_words_per_caption,
       count(duration) AS n_with_duration,
       sum(duration) AS total_seconds,
       avg(duration) AS mean_seconds
FROM per_video
GROUP BY split
ORDER BY split;
