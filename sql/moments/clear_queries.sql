-- Forget the moment_queries rows of the qids about to be written (registered moment_queries_in).
DELETE FROM moment_queries
WHERE dataset = $dataset AND qid IN (SELECT qid FROM moment_queries_in);
