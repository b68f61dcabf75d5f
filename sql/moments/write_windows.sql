-- Bulk insert from the registered Arrow table moment_windows_in.
INSERT INTO moment_windows (dataset, qid, window_idx, start_s, end_s)
SELECT $dataset, qid, window_idx, start_s, end_s FROM moment_windows_in;
