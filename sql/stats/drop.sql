-- Drop the temporary tables of sql/stats/ once a statistic is read.
DROP TABLE IF EXISTS stat_replicates;
DROP TABLE IF EXISTS stat_sample;
DROP TABLE IF EXISTS stat_groups;
DROP TABLE IF EXISTS stat_rows;
