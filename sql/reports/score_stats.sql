-- Summary of one evaluation's sampled similarity scores (score_samples) per group:
-- matching (text, own video) pairs first, then non-matching pairs. std is the sample
-- standard deviation (NULL for a group of one score).
SELECT matching,
       count(*) AS n,
       avg(score) AS mean,
       stddev_samp(score) AS std,
       min(score) AS min,
       max(score) AS max
FROM score_samples
WHERE eval_id = $eval_id
GROUP BY matching
ORDER BY matching DESC;
