SELECT variant_id, modality, family, backbone, layer, pooling, temporal, frames, dim, lance_table,
       created_at,
       -- provenance of an imported variant: "FORMAT: SOURCE (N files)", else NULL
       CASE WHEN config ->> 'format' IS NOT NULL
            THEN (config ->> 'format') || ': '
                 || array_to_string(CAST(config -> 'source' AS VARCHAR[]), ', ')
                 || ' (' || (config ->> 'files') || ' files)'
       END AS source,
       config ->> 'content_hash' AS content_hash
FROM variants
WHERE $modality IS NULL OR modality = $modality
ORDER BY modality, variant_id;
