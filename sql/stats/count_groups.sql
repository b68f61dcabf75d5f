-- How many groups and queries stat_rows (sql/stats/rows.sql) holds: 0 groups when there is
-- nothing to resample.
SELECT count(*) AS n, coalesce(sum(n_queries), 0) AS n_queries FROM stat_groups;
