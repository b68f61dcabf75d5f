-- Approximate randomisation rounds of paired stat_rows (sql/stats/rows.sql) into the
-- temporary table stat_sample, rounds $first to $last - 1 (a batch): round 0 is the
-- evaluations as they are; in each further round every unit (a video, with all its captions, for T2V) swaps its A
-- and B results when bit 0 of
--     vtr_hash32(vtr_hash32(vtr_hash32($seed xor 2654435769) xor round) xor unit)
-- is set (its metric columns "a:..." and "b:..." trade places). Swapping whole units keeps the captions of one video together, as the cluster
-- bootstrap does. Every row has weight 1.
CREATE OR REPLACE TEMP TABLE stat_sample AS
WITH rounds AS (
    SELECT r AS replicate,
           vtr_hash32(xor(vtr_hash32(xor($seed::UBIGINT, 2654435769::UBIGINT)), r::UBIGINT)) AS h
    FROM range($first, $last) AS t(r)
),
flips AS (
    SELECT p.replicate, u.gid, u.unit,
           p.replicate > 0 AND (vtr_hash32(xor(p.h, u.unit::UBIGINT)) & 1::UBIGINT) = 1 AS swap
    FROM rounds AS p
    CROSS JOIN (SELECT DISTINCT gid, unit FROM stat_rows) AS u
)
SELECT f.replicate, r.gid, r.unit, 'a' AS side, r.lower_a AS lower_median, 1 AS w,
       COLUMNS('^a:(.*)$') AS '\1'
FROM flips AS f
JOIN stat_rows AS r ON r.gid = f.gid AND r.unit = f.unit
WHERE NOT f.swap
UNION ALL
SELECT f.replicate, r.gid, r.unit, 'a', r.lower_a, 1, COLUMNS('^b:(.*)$') AS '\1'
FROM flips AS f
JOIN stat_rows AS r ON r.gid = f.gid AND r.unit = f.unit
WHERE f.swap
UNION ALL
SELECT f.replicate, r.gid, r.unit, 'b', r.lower_b, 1, COLUMNS('^b:(.*)$') AS '\1'
FROM flips AS f
JOIN stat_rows AS r ON r.gid = f.gid AND r.unit = f.unit
WHERE NOT f.swap
UNION ALL
SELECT f.replicate, r.gid, r.unit, 'b', r.lower_b, 1, COLUMNS('^a:(.*)$') AS '\1'
FROM flips AS f
JOIN stat_rows AS r ON r.gid = f.gid AND r.unit = f.unit
WHERE f.swap;
