-- Positive (caption, video) pairs of one split, label 1, in caption order.
SELECT caption_id, video_id, CAST(1 AS FLOAT) AS label
FROM pair_positives
WHERE dataset = $dataset AND split = $split
ORDER BY caption_id;
