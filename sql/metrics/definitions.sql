-- The retrieval metrics as defined by the view query_metrics (sql/schema/021_metrics.sql),
-- in column order: each metric column's name, its description, unit and whether higher
-- is better, read from its comment '... (<unit>, <higher|lower> is better).'
WITH tagged AS (
    SELECT column_index, column_name, comment,
           regexp_extract(comment, '^(.*) \((percent|rank|fraction), (higher|lower) is better\)\.$',
                          ['description', 'unit', 'better']) AS tag
    FROM duckdb_columns()
    WHERE schema_name = 'main' AND table_name = 'query_metrics'
)
SELECT column_name AS name, tag.description AS description, tag.unit AS unit,
       tag.better = 'higher' AS higher_is_better
FROM tagged
WHERE tag.unit <> ''
ORDER BY column_index;
