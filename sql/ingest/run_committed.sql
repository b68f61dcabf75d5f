-- Items (videos, captions, clips) a run committed, per modality: distinct items marked
-- done by the run under any of its variants.
SELECT v.modality, count(DISTINCT d.item_id) AS items
FROM ingest_done AS d
JOIN variants AS v USING (variant_id)
WHERE d.run_id = $run_id
GROUP BY v.modality
ORDER BY v.modality;
