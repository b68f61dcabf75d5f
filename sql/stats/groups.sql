-- One row per group of stat_rows (sql/stats/rows.sql), into the temporary table
-- stat_groups: its direction, category and bucket, its queries and its resampling units.
CREATE OR REPLACE TEMP TABLE stat_groups AS
SELECT gid, any_value(direction) AS direction, any_value(category_id) AS category_id,
       any_value(bucket) AS bucket, count(*) AS n_queries, max(unit) + 1 AS n_units
FROM stat_rows
GROUP BY gid;
