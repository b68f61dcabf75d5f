-- Bulk insert from the registered Arrow table moment_queries_in.
INSERT INTO moment_queries (dataset, qid, query, video_id, duration, split)
SELECT $dataset, qid, query, video_id, duration, split FROM moment_queries_in;
