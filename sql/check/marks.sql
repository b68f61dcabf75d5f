SELECT dataset, item_id FROM ingest_done WHERE variant_id = $variant_id;
