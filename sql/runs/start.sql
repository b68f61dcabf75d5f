INSERT INTO runs (kind, config, pid, host, process_started, heartbeat_at)
VALUES ($kind, $config, $pid, $host, $process_started, current_timestamp)
RETURNING run_id;
