-- `new_marks` (variant_id, item_id) is an Arrow table registered on the connection.
INSERT INTO ingest_done (dataset, variant_id, item_id, run_id)
SELECT $dataset, variant_id, item_id, $run_id
FROM new_marks
ON CONFLICT DO NOTHING;
