-- Bulk insert from the registered Arrow table eval_ranks_in.
INSERT INTO ranks (eval_id, direction, query_id, rank, gt_score)
SELECT $eval_id, direction, query_id, rank, gt_score
FROM eval_ranks_in;
