UPDATE variants SET config = $config WHERE variant_id = $variant_id;
