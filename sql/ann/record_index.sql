-- Record (or replace) the ANN index of a variant.
INSERT OR REPLACE INTO ann_indexes (variant_id, index_type, n_rows, params, built_at)
VALUES ($variant_id, $index_type, $n_rows, $params, current_timestamp);
