-- Upsert per-clip captions from the registered Arrow table clip_captions_in.
INSERT INTO clip_captions (dataset, video_id, clip_idx, text)
SELECT $dataset, video_id, clip_idx, text FROM clip_captions_in
ON CONFLICT (dataset, video_id, clip_idx) DO UPDATE SET text = excluded.text;
