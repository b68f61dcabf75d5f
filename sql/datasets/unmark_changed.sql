-- Drop the done marks of edited items (Arrow table changed_items: item_id) in every
-- variant of $modality, so the next ingest embeds them again. For video, the clips of a
-- changed video (video_clips) lose theirs too.
DELETE FROM ingest_done
WHERE dataset = $dataset
  AND variant_id IN (SELECT variant_id FROM variants WHERE modality = $modality)
  AND (
      item_id IN (SELECT item_id FROM changed_items)
      OR ($modality = 'video' AND item_id IN (
          SELECT k.item_id FROM video_clips AS k
          WHERE k.dataset = $dataset AND k.video_id IN (SELECT item_id FROM changed_items)
      ))
  );
