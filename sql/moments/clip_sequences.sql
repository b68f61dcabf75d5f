-- The clip sequences of a dataset's queries ($split NULL = every split), in time order.
SELECT qid, split, query, video_id, duration, clip_idx, item_id, saliency, in_window
FROM moment_clip_labels
WHERE dataset = $dataset AND ($split IS NULL OR split = $split)
ORDER BY qid, clip_idx;
