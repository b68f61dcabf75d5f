-- Comparison report: the gain of each re-ranked evaluation over plain cosine on the same
-- dataset, split and variants (the latest plain evaluation of that setup), in points.
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
    SELECT eval_id, direction, "R@1", "R@5", "R@10", "MRR"
    FROM retrieval_metrics
    WHERE grouping = 'all'
)
SELECT r.eval_id, p.plain_eval_id, r.dataset, r.split, r.text_variant, r.video_variant,
       r.rerank, r.uses_test_statistics AS test_statistics, m.direction,
       m."R@1" - b."R@1" AS "ΔR@1",
       m."R@5" - b."R@5" AS "ΔR@5",
       m."R@10" - b."R@10" AS "ΔR@10",
       m."MRR" - b."MRR" AS "ΔMRR",
       m."R@1" AS "R@1",
       b."R@1" AS plain_r1
FROM chosen AS r
JOIN plain AS p
  ON p.dataset IS NOT DISTINCT FROM r.dataset
 AND p.split IS NOT DISTINCT FROM r.split
 AND p.text_variant = r.text_variant
 AND p.video_variant = r.video_variant
JOIN overall AS m ON m.eval_id = r.eval_id
JOIN overall AS b ON b.eval_id = p.plain_eval_id AND b.direction = m.direction
WHERE r.rerank <> 'none'
ORDER BY r.eval_id, m.direction;
