-- Bootstrap replicates of stat_rows (sql/stats/rows.sql) into the temporary table
-- stat_sample: replicates $first to $last - 1 (a batch; the draws of a replicate depend
-- on its number only, so batches give the same replicates as one pass); in each, every group (gid) draws n_units of its units with
-- replacement, and each query of a unit drawn w times comes with weight w.
-- Draw `slot` of replicate r in a group of n units is unit
--     vtr_hash32(vtr_hash32(vtr_hash32($seed) xor r) xor slot) mod n
-- (sql/stats/hash.sql), a function of ($seed, r, slot, n) only: the same seed gives the same
-- draws, in SQL and in numpy. (The modulo bias is below n / 2^32.)
-- The metric columns of side a ("a:R@1", ...) and b ("b:R@1", ...) become "R@1", ...
-- When the rows are paired (in_b), side 'b' gets the same weights as side 'a': the paired
-- bootstrap of the difference.
CREATE OR REPLACE TEMP TABLE stat_sample AS
WITH replicates AS (
    SELECT r AS replicate, vtr_hash32(xor(vtr_hash32($seed::UBIGINT), r::UBIGINT)) AS h
    FROM range($first, $last) AS t(r)
),
slots AS (
    SELECT gid, n_units, unnest(range(n_units)) AS slot FROM stat_groups
),
draws AS (
    SELECT p.replicate, s.gid,
           CAST(vtr_hash32(xor(p.h, s.slot::UBIGINT)) % s.n_units::UBIGINT AS BIGINT) AS unit
    FROM replicates AS p
    CROSS JOIN slots AS s
),
weights AS (
    SELECT replicate, gid, unit, count(*) AS w FROM draws GROUP BY replicate, gid, unit
)
SELECT m.replicate, r.gid, r.unit, 'a' AS side, r.lower_a AS lower_median, m.w,
       COLUMNS('^a:(.*)$') AS '\1'
FROM weights AS m
JOIN stat_rows AS r ON r.gid = m.gid AND r.unit = m.unit
UNION ALL
SELECT m.replicate, r.gid, r.unit, 'b' AS side, r.lower_b, m.w, COLUMNS('^b:(.*)$') AS '\1'
FROM weights AS m
JOIN stat_rows AS r ON r.gid = m.gid AND r.unit = m.unit
WHERE r.in_b;
