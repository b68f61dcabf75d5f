-- A run's status and whether it recorded its train_runs row (NULL status: no such run).
SELECT (SELECT status FROM runs WHERE run_id = $run_id) AS status,
       EXISTS (SELECT 1 FROM train_runs WHERE run_id = $run_id) AS recorded;
