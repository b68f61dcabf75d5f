SELECT run_id, kind, status, started_at, finished_at, summary
FROM runs
ORDER BY run_id;
