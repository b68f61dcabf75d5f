-- Runs still recorded as running, with what tells whether their process lives.
SELECT run_id, kind, pid, host, process_started, started_at, heartbeat_at
FROM runs
WHERE status = 'running'
ORDER BY run_id;
