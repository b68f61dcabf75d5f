-- Dataset report: how many captions have n words (captions.n_words), per split.
SELECT coalesce(v.split, '(none)') AS split, c.n_words, count(*) AS n_captions
FROM captions AS c
JOIN videos AS v ON v.dataset = c.dataset AND v.video_id = c.video_id
WHERE c.dataset = $dataset
GROUP BY ALL
ORDER BY split, c.n_words;
