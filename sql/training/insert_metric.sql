-- One metric of one epoch of a training run (epoch -1: the head before training).
INSERT OR REPLACE INTO train_metrics (run_id, epoch, name, value)
VALUES ($run_id, $epoch, $name, $value);
