-- Retrieval metrics of one evaluation, grouped by $by ('all', 'category' or 'length'):
-- the rows of the view retrieval_metrics (sql/schema/006_retrieval_metrics.sql), where
-- the metrics are defined.
SELECT direction, category_id, name, bucket, n_queries,
       "R@1", "R@5", "R@10", "MedR", "MeanR", "MRR", "mAP"
FROM retrieval_metrics
WHERE eval_id = $eval_id AND grouping = $by
ORDER BY direction, category_id NULLS LAST, bucket;
