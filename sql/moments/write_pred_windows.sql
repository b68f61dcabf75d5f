-- Bulk insert from the registered Arrow table moment_pred_windows_in.
INSERT INTO moment_pred_windows (pred_id, qid, rank, start_s, end_s, score)
SELECT $pred_id, qid, rank, start_s, end_s, score FROM moment_pred_windows_in;
