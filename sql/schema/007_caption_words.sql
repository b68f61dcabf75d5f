-- Every word occurrence of every caption: lower-cased runs of letters, digits and
-- apostrophes, with the caption's dataset and the split of its video ('(none)' if unset).
-- The dataset report's vocabulary and top words are aggregates over this view.
CREATE OR REPLACE VIEW caption_words AS
SELECT c.dataset, c.caption_id, coalesce(v.split, '(none)') AS split,
       unnest(regexp_extract_all(lower(c.text), '[\pL\pN'']+')) AS word
FROM captions AS c
JOIN videos AS v ON v.dataset = c.dataset AND v.video_id = c.video_id;
