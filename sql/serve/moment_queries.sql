-- Moments page: one page ($limit from $offset) of the queries of dataset $dataset, in qid
-- order; n_total counts them all.
SELECT qid, query, video_id, duration, split, count(*) OVER () AS n_total
FROM moment_queries
WHERE dataset = $dataset
ORDER BY qid
LIMIT $limit OFFSET $offset;
