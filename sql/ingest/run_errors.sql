SELECT item_id, stage, variant_id, message
FROM ingest_errors
WHERE run_id = $run_id
ORDER BY stage, item_id;
