-- Moments page: one query of dataset $dataset (no row: unknown qid).
SELECT qid, query, video_id, duration, split
FROM moment_queries
WHERE dataset = $dataset AND qid = $qid;
