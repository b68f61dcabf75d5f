-- Steps page: the step videos of dataset $dataset (the first 500), with their step counts.
SELECT video_id, count(*) AS n_steps
FROM steps
WHERE dataset = $dataset
GROUP BY video_id
ORDER BY video_id
LIMIT 500;
