-- Steps page: the datasets with step annotations, each with its number of step videos.
SELECT dataset, count(DISTINCT video_id) AS n_videos, count(*) AS n_steps
FROM steps
GROUP BY dataset
ORDER BY dataset;
