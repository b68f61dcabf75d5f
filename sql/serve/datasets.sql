-- Home page: every registered dataset with its number of categories, videos and captions.
SELECT d.dataset, d.format, d.created_at,
       (SELECT count(*) FROM categories AS k WHERE k.dataset = d.dataset) AS n_categories,
       (SELECT count(*) FROM videos AS v WHERE v.dataset = d.dataset) AS n_videos,
       (SELECT count(*) FROM captions AS c WHERE c.dataset = d.dataset) AS n_captions
FROM datasets AS d
ORDER BY d.dataset;
