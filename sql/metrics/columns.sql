-- No rows: the columns of the view retrieval_metrics (which metrics this catalog has).
SELECT * FROM retrieval_metrics LIMIT 0;
