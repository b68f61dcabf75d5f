-- Dataset report: the $limit most frequent words of all captions, leaving out the words
-- of the list $stopwords, with their share of all (non-stopword) tokens in percent.
WITH counted AS (
    SELECT word, count(*) AS n
    FROM caption_words
    WHERE dataset = $dataset AND NOT list_contains($stopwords, word)
    GROUP BY word
)
SELECT word, n, 100 * n / sum(n) OVER () AS percent
FROM counted
ORDER BY n DESC, word
LIMIT $limit;
