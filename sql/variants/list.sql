SELECT variant_id, modality, family, backbone, layer, pooling, temporal, frames, dim, lance_table,
       created_at
FROM variants
WHERE $modality IS NULL OR modality = $modality
ORDER BY modality, variant_id;
