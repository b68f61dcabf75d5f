-- Rows committed before done marks existed: `old_rows` (dataset, item_id) of one variant's
-- table, registered on the connection, are marked done (run_id NULL).
INSERT INTO ingest_done (dataset, variant_id, item_id, run_id)
SELECT DISTINCT dataset, $variant_id, item_id, NULL
FROM old_rows
ON CONFLICT DO NOTHING;
