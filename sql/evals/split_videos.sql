-- The gallery of an evaluation: videos of the dataset in the split (NULL split = every video).
SELECT video_id
FROM videos
WHERE dataset = $dataset AND ($split IS NULL OR split = $split)
ORDER BY video_id;
