-- Retrieval metrics of one evaluation grouped by $by ('all', 'category' or 'length'), both
-- directions side by side: the rows of the view retrieval_metrics_wide (t2v_n_queries,
-- "t2v_R@1", ..., v2t_n_queries, "v2t_R@1", ...; definitions: sql/schema/021_metrics.sql).
SELECT * EXCLUDE (eval_id, grouping)
FROM retrieval_metrics_wide
WHERE eval_id = $eval_id AND grouping = $by
ORDER BY category_id NULLS LAST, bucket;
