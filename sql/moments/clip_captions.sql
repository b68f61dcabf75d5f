-- Per-clip captions of a dataset, in time order.
SELECT video_id, clip_idx, text
FROM clip_captions
WHERE dataset = $dataset
ORDER BY video_id, clip_idx;
