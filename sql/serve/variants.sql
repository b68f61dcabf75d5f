-- Home page: every embedding variant with its provenance: the backbone and its weights
-- (config.weights), the trained head's run (config.run_id) or the imported files
-- (config.format / config.source).
SELECT variant_id, modality, family, backbone, layer, pooling, temporal, frames, dim,
       coalesce(
           config ->> 'weights',
           CASE WHEN config ->> 'format' IS NOT NULL
                THEN (config ->> 'format') || ': '
                     || array_to_string(CAST(config -> 'source' AS VARCHAR[]), ', ')
           END
       ) AS weights,
       config ->> 'run_id' AS head_run,
       created_at
FROM variants
ORDER BY modality, variant_id;
