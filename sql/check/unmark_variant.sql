DELETE FROM ingest_done WHERE variant_id = $variant_id;
