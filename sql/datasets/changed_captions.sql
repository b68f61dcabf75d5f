-- Captions of $dataset whose text in the registered Arrow table dataset_captions_in
-- differs from the stored one (by hash; the stored text itself where no hash is kept).
SELECT c.caption_id
FROM captions AS c
JOIN dataset_captions_in AS n ON n.caption_id = c.caption_id
WHERE c.dataset = $dataset
  AND coalesce(c.text_hash, sha256(c.text)) <> sha256(n.text)
ORDER BY c.caption_id;
