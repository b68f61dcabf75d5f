-- A new prediction set; returns its pred_id.
INSERT INTO moment_predictions (dataset, source, config)
VALUES ($dataset, $source, $config)
RETURNING pred_id;
