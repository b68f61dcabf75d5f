UPDATE runs
SET status = $status, summary = $summary, finished_at = current_timestamp
WHERE run_id = $run_id;
