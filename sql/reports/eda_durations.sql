-- Dataset report: video durations in seconds, in bins of $bin_seconds, per split
-- (videos whose duration is not known yet, before ingest has read them, are left out).
SELECT coalesce(split, '(none)') AS split,
       $bin_seconds * floor(duration / $bin_seconds) AS bin_start,
       count(*) AS n_videos
FROM videos
WHERE dataset = $dataset AND duration IS NOT NULL
GROUP BY ALL
ORDER BY split, bin_start;
