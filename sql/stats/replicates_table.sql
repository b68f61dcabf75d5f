-- The temporary table that sql/stats/replicate_metrics.sql fills, batch by batch: one row
-- per (replicate, group, side, metric).
CREATE OR REPLACE TEMP TABLE stat_replicates (
    replicate BIGINT,
    gid       BIGINT,
    side      VARCHAR,
    metric    VARCHAR,
    value     DOUBLE
);
