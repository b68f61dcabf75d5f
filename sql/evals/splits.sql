-- Videos per (dataset, split), to explain an empty or unknown selection.
SELECT dataset, split, count(*) AS n_videos
FROM videos
GROUP BY dataset, split
ORDER BY dataset, split NULLS LAST;
