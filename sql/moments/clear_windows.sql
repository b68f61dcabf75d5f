-- Forget a dataset's moment_windows rows before its annotations are written again.
DELETE FROM moment_windows WHERE dataset = $dataset;
