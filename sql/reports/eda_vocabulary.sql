-- Dataset report: word tokens, vocabulary size and words seen once, per split and over
-- all splits ('all'), from the view caption_words.
WITH counted AS (
    SELECT coalesce(split, 'all') AS split, word, count(*) AS n
    FROM caption_words
    WHERE dataset = $dataset
    GROUP BY GROUPING SETS ((split, word), (word))
)
SELECT split, sum(n) AS n_tokens, count(*) AS vocabulary, count(*) FILTER (WHERE n = 1) AS hapax
FROM counted
GROUP BY split
ORDER BY split = 'all', split;
