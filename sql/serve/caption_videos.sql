-- Search page: the video and text of captions of a dataset, by caption id.
SELECT caption_id, video_id, text
FROM captions
WHERE dataset = $dataset AND list_contains($caption_ids, caption_id);
