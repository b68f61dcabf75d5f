-- Liveness of a run: the process that runs it (PID, host, the process's start time in
-- seconds since the epoch) and the time of its last commit. A 'running' run whose
-- process is gone (same host: no such PID, or a PID reused by a process that started
-- at another time) is shown as 'crashed'; `vtr check --repair` marks it 'failed'.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS host VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS process_started DOUBLE;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS heartbeat_at TIMESTAMP;
