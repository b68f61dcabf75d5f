SELECT item_id
FROM ingest_done
WHERE dataset = $dataset AND variant_id = $variant_id;
