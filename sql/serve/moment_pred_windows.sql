-- Moments page: the first $n predicted windows of one query in prediction set $pred_id,
-- in rank order (rank 0 = the set's top window).
SELECT rank, start_s, end_s, score
FROM moment_pred_windows
WHERE pred_id = $pred_id AND qid = $qid AND rank < $n
ORDER BY rank;
