-- Moments page: annotated (mean of the annotators, 0-4) and predicted saliency (set
-- $pred_id; NULL: none) per $clip_len-second clip of one query.
WITH n AS (
    SELECT CAST(trunc(duration / $clip_len) AS INTEGER) AS n_clips
    FROM moment_queries WHERE dataset = $dataset AND qid = $qid
),
clips AS (
    SELECT CAST(unnest(range(n_clips)) AS INTEGER) AS clip_idx FROM n
)
SELECT c.clip_idx,
       coalesce((SELECT sum(s.score) FROM moment_saliency AS s
                 WHERE s.dataset = $dataset AND s.qid = $qid AND s.clip_idx = c.clip_idx), 0)
           / 3.0 AS annotated,
       p.score AS predicted
FROM clips AS c
LEFT JOIN moment_pred_saliency AS p
    ON p.pred_id = $pred_id AND p.qid = $qid AND p.clip_idx = c.clip_idx
ORDER BY c.clip_idx;
