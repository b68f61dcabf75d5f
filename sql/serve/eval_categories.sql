-- Evaluation page: the categories of the evaluation's dataset, for the category filter.
SELECT k.category_id, k.name
FROM categories AS k
JOIN evals AS e ON e.dataset = k.dataset
WHERE e.eval_id = $eval_id
ORDER BY k.category_id;
