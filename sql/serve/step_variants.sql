-- Steps page: the text variants (step descriptions) and the clip-level video variants
-- (chunks: temporal 'clip...') a step x chunk similarity can be drawn with.
SELECT variant_id, modality, dim
FROM variants
WHERE modality = 'text' OR (modality = 'video' AND temporal LIKE 'clip%')
ORDER BY modality, variant_id;
