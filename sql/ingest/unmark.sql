-- Done marks whose rows are gone from the variant's table; `gone_marks` (item_id) is an
-- Arrow table registered on the connection.
DELETE FROM ingest_done
WHERE dataset = $dataset
  AND variant_id = $variant_id
  AND item_id IN (SELECT item_id FROM gone_marks);
