-- Forget a dataset's moment_queries rows before its annotations are written again.
DELETE FROM moment_queries WHERE dataset = $dataset;
