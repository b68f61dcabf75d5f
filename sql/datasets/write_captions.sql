-- Bulk upsert from the registered Arrow table dataset_captions_in.
INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split)
SELECT $dataset, caption_id, video_id, text, n_words, split
FROM dataset_captions_in
ON CONFLICT (dataset, caption_id) DO UPDATE SET
    video_id = excluded.video_id,
    text = excluded.text,
    n_words = excluded.n_words,
    split = excluded.split;
