SELECT variant_id, index_type, n_rows, params, built_at
FROM ann_indexes
WHERE variant_id = $variant_id;
