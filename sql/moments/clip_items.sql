-- Every clip of $dataset's videos with its item id, in video and clip order.
SELECT video_id, clip_idx, item_id
FROM video_clips
WHERE dataset = $dataset
ORDER BY video_id, clip_idx;
