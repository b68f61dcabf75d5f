-- Evaluation page: every metric of one evaluation, overall and broken down by video
-- category and (t2v) caption length; category rows carry the category's name.
SELECT m.grouping, m.direction, m.category_id, k.name AS category, m.bucket, m.n_queries,
       m."R@1" AS r1, m."R@5" AS r5, m."R@10" AS r10, m."MedR" AS medr,
       m."MeanR" AS meanr, m."MRR" AS mrr, m."mAP" AS map
FROM retrieval_metrics AS m
JOIN evals AS e ON e.eval_id = m.eval_id
LEFT JOIN categories AS k ON k.dataset = e.dataset AND k.category_id = m.category_id
WHERE m.eval_id = $eval_id
ORDER BY m.grouping = 'all' DESC, m.grouping, m.direction, m.category_id, m.bucket;
