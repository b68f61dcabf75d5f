-- Moments page: the datasets with moment queries, each with its number of queries and
-- prediction sets.
SELECT q.dataset, count(*) AS n_queries,
       (SELECT count(*) FROM moment_predictions AS p WHERE p.dataset = q.dataset) AS n_sets
FROM moment_queries AS q
GROUP BY q.dataset
ORDER BY q.dataset;
