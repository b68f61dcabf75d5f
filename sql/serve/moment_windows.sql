-- Moments page: the ground-truth windows of one query, in annotation order.
SELECT window_idx, start_s, end_s
FROM moment_windows
WHERE dataset = $dataset AND qid = $qid
ORDER BY window_idx;
