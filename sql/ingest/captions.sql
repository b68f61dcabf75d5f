SELECT caption_id, text
FROM captions
WHERE dataset = $dataset
ORDER BY caption_id;
