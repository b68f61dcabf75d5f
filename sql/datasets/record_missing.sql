-- Record each listed video whose file is missing (Arrow table dataset_missing_in:
-- item_id, message) once per run: a second registration in the same run adds nothing.
INSERT INTO ingest_errors (run_id, dataset, item_id, stage, variant_id, message)
SELECT $run_id, $dataset, m.item_id, 'load', NULL, m.message
FROM dataset_missing_in AS m
WHERE NOT EXISTS (
    SELECT 1
    FROM ingest_errors AS e
    WHERE e.run_id = $run_id
      AND e.dataset = $dataset
      AND e.item_id = m.item_id
      AND e.stage = 'load'
);
