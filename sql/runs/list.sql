SELECT run_id, kind, status, started_at, finished_at, summary, pid, host, process_started,
       heartbeat_at
FROM runs
ORDER BY run_id;
