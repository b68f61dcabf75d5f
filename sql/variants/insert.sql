INSERT INTO variants
    (variant_id, modality, family, backbone, layer, pooling, temporal, frames, dim, lance_table, config)
VALUES
    ($variant_id, $modality, $family, $backbone, $layer, $pooling, $temporal, $frames, $dim,
     $lance_table, $config)
ON CONFLICT DO NOTHING;
