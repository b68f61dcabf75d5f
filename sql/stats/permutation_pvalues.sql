-- Approximate randomisation p-values from stat_replicates of sql/stats/permutation_sample.sql:
-- for every (group, metric), the observed difference b - a (round 0) and
--     p = (1 + #rounds with |difference| >= |observed|) / (1 + #rounds)
-- (two-sided; differences within 1e-9 of each other count as equal).
WITH diffs AS (
    SELECT a.replicate, a.gid, a.metric, b.value - a.value AS diff
    FROM stat_replicates AS a
    JOIN stat_replicates AS b
      ON b.replicate = a.replicate AND b.gid = a.gid AND b.metric = a.metric
     AND a.side = 'a' AND b.side = 'b'
),
observed AS (SELECT gid, metric, diff FROM diffs WHERE replicate = 0)
SELECT g.direction, g.category_id, g.bucket, o.metric, o.diff AS observed,
       (1 + count(*) FILTER (WHERE abs(d.diff) >= abs(o.diff) - 1e-9)) / (1 + count(*))
           AS p_value
FROM observed AS o
JOIN diffs AS d ON d.gid = o.gid AND d.metric = o.metric AND d.replicate > 0
JOIN stat_groups AS g ON g.gid = o.gid
GROUP BY g.direction, g.category_id, g.bucket, o.metric, o.diff
ORDER BY g.direction, g.category_id NULLS LAST, g.bucket, o.metric;
