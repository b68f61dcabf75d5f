-- Evaluation page: the queries of one direction of an evaluation, filtered by category
-- ($category_id), caption length ($min_words..$max_words, t2v) and rank
-- ($min_rank..$max_rank), each NULL for no filter; best first ($worst false: lowest rank,
-- then higher ground-truth score) or worst first; one page of $limit rows from $offset.
-- t2v: the query is a caption (its text) whose ground truth is its video; v2t: a video.
-- n_matching counts every query the filters keep.
WITH kept AS (
    SELECT q.query_id, q.rank, q.gt_score, q.video_id, q.category_id, q.n_words,
           count(*) OVER () AS n_matching
    FROM query_result_rows AS q
    WHERE q.eval_id = $eval_id AND q.direction = $direction
      AND ($category_id IS NULL OR q.category_id = $category_id)
      AND ($min_words IS NULL OR q.n_words >= $min_words)
      AND ($max_words IS NULL OR q.n_words <= $max_words)
      AND ($min_rank IS NULL OR q.rank >= $min_rank)
      AND ($max_rank IS NULL OR q.rank <= $max_rank)
),
page AS (  -- the page is cut before the joins: a 100k-query evaluation joins 20 rows
    SELECT *,
           row_number() OVER (
               ORDER BY CASE WHEN $worst THEN -rank ELSE rank END,
                        CASE WHEN $worst THEN gt_score ELSE -gt_score END,
                        query_id
           ) AS position
    FROM kept
    ORDER BY position
    LIMIT $limit OFFSET $offset
)
SELECT q.query_id, q.rank, q.gt_score, q.video_id, q.n_words, k.name AS category,
       c.text AS query_text, q.n_matching
FROM page AS q
JOIN evals AS e ON e.eval_id = $eval_id
LEFT JOIN captions AS c
       ON $direction = 't2v' AND c.dataset = e.dataset AND c.caption_id = q.query_id
LEFT JOIN categories AS k ON k.dataset = e.dataset AND k.category_id = q.category_id
ORDER BY q.position;
