-- Coverage of one evaluation: items evaluated and listed, and the eval_coverage text
-- ('full', or e.g. '20/1000 videos, 140/7000 texts').
SELECT n_videos, n_videos_listed, n_texts, n_texts_listed,
       eval_coverage(n_videos, n_videos_listed, n_texts, n_texts_listed) AS coverage
FROM evals
WHERE eval_id = $eval_id;
