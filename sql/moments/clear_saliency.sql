-- Forget a dataset's moment_saliency rows before its annotations are written again.
DELETE FROM moment_saliency WHERE dataset = $dataset;
