-- Dataset report: videos per category and split (no category: NULL id, '(no category)').
SELECT v.category_id,
       CASE
           WHEN v.category_id IS NULL THEN '(no category)'
           ELSE coalesce(any_value(k.name), 'category ' || v.category_id)
       END AS name,
       coalesce(v.split, '(none)') AS split,
       count(*) AS n_videos
FROM videos AS v
LEFT JOIN categories AS k ON k.dataset = v.dataset AND k.category_id = v.category_id
WHERE v.dataset = $dataset
GROUP BY v.category_id, coalesce(v.split, '(none)')
ORDER BY v.category_id NULLS LAST, split;
