-- Upsert clip rows from the registered Arrow table video_clips_in.
INSERT INTO video_clips (dataset, video_id, clip_idx, item_id, start_s, end_s)
SELECT $dataset, video_id, clip_idx, item_id, start_s, end_s FROM video_clips_in
ON CONFLICT (dataset, video_id, clip_idx) DO UPDATE SET
    item_id = excluded.item_id, start_s = excluded.start_s, end_s = excluded.end_s;
