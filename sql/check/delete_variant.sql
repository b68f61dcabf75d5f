DELETE FROM variants WHERE variant_id = $variant_id;
