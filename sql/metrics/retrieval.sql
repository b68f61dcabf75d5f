-- Retrieval metrics of one evaluation, grouped by $by ('all', 'category' or 'length'):
-- the rows of the view retrieval_metrics, every metric a column (their definitions:
-- sql/schema/021_metrics.sql).
SELECT * EXCLUDE (eval_id, grouping)
FROM retrieval_metrics
WHERE eval_id = $eval_id AND grouping = $by
ORDER BY direction, category_id NULLS LAST, bucket;
