INSERT INTO ingest_errors (run_id, dataset, item_id, stage, variant_id, message)
VALUES ($run_id, $dataset, $item_id, $stage, $variant_id, $message);
