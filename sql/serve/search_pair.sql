-- Search page: the default pair to search with, the most recent plain evaluation's text
-- and video variants (no row: no evaluation yet).
SELECT dataset, text_variant, video_variant
FROM evals
WHERE text_variant IS NOT NULL AND video_variant IS NOT NULL
ORDER BY rerank = 'none' DESC, eval_id DESC
LIMIT 1;
