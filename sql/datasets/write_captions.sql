-- Bulk upsert from the registered Arrow table dataset_captions_in.
INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split, text_hash)
SELECT $dataset, caption_id, video_id, text, n_words, split, sha256(text)
FROM dataset_captions_in
ON CONFLICT (dataset, caption_id) DO UPDATE SET
    video_id = excluded.video_id,
    text = excluded.text,
    n_words = excluded.n_words,
    split = excluded.split,
    text_hash = excluded.text_hash;
