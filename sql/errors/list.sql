SELECT run_id, dataset, item_id, stage, variant_id, message, created_at
FROM ingest_errors
WHERE $run_id IS NULL OR run_id = $run_id
ORDER BY run_id, stage, item_id;
