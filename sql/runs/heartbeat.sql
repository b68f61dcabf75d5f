UPDATE runs SET heartbeat_at = current_timestamp WHERE run_id = $run_id;
