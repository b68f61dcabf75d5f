-- Forget the moment_saliency rows of the qids about to be written (registered moment_queries_in).
DELETE FROM moment_saliency
WHERE dataset = $dataset AND qid IN (SELECT qid FROM moment_queries_in);
