-- Comparison report: the gain of each re-ranked evaluation over plain cosine on the same
-- dataset, split and variants (the latest plain evaluation of that setup), in the units of
-- each metric: one column "Δ<metric>" per metric of the view retrieval_metrics.
-- Only re-ranked evaluations in $eval_ids are listed when that list is not NULL (their
-- plain baseline may be any evaluation).
WITH chosen AS (
    SELECT * FROM evals WHERE $eval_ids IS NULL OR list_contains($eval_ids, eval_id)
),
plain AS (
    SELECT dataset, split, text_variant, video_variant, max(eval_id) AS plain_eval_id
    FROM evals
    WHERE rerank = 'none'
    GROUP BY ALL
),
overall AS (
    SELECT * EXCLUDE (grouping, category_id, name, bucket, n_queries)
    FROM retrieval_metrics
    WHERE grouping = 'all'
),
pairs AS (
    SELECT r.eval_id, p.plain_eval_id, r.dataset, r.split, r.text_variant, r.video_variant,
           r.rerank, r.uses_test_statistics AS test_statistics
    FROM chosen AS r
    JOIN plain AS p
      ON p.dataset IS NOT DISTINCT FROM r.dataset
     AND p.split IS NOT DISTINCT FROM r.split
     AND p.text_variant = r.text_variant
     AND p.video_variant = r.video_variant
    WHERE r.rerank <> 'none'
),
-- each metric of the re-ranked evaluation, then minus that of its plain one: their sum is
-- the gain, one COLUMNS expression for every metric
signed AS (
    SELECT x.eval_id, m.direction, COLUMNS(m.* EXCLUDE (eval_id, direction))
    FROM pairs AS x
    JOIN overall AS m ON m.eval_id = x.eval_id
    UNION ALL
    SELECT x.eval_id, b.direction, -COLUMNS(b.* EXCLUDE (eval_id, direction))
    FROM pairs AS x
    JOIN overall AS b ON b.eval_id = x.plain_eval_id
)
SELECT x.*, g.* EXCLUDE (eval_id)
FROM pairs AS x
JOIN (
    SELECT eval_id, direction, sum(COLUMNS(* EXCLUDE (eval_id, direction))) AS 'Δ\0'
    FROM signed
    GROUP BY eval_id, direction
    HAVING count(*) = 2
) AS g ON g.eval_id = x.eval_id
ORDER BY x.eval_id, g.direction;
