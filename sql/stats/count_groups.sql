-- How many groups stat_rows (sql/stats/rows.sql) holds: 0 when there is nothing to resample.
SELECT count(*) AS n FROM stat_groups;
