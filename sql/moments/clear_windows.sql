-- Forget the moment_windows rows of the qids about to be written (registered moment_queries_in).
DELETE FROM moment_windows
WHERE dataset = $dataset AND qid IN (SELECT qid FROM moment_queries_in);
