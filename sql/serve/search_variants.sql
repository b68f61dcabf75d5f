-- Search page: the text and video variants, each with its dataset-free setup; a text
-- variant trained by a run carries config.run_id (its head is not re-run by the server).
SELECT variant_id, modality, family, backbone, layer, pooling, temporal, frames, dim,
       lance_table, config ->> 'run_id' AS head_run, config ->> 'weights' AS weights
FROM variants
WHERE modality IN ('text', 'video')
ORDER BY modality, variant_id;
