-- Per-epoch metrics of a training run (train/loss, val/loss, val/R@1, lr, ...), epoch order.
-- Epoch -1 (the head before training) is left out.
SELECT epoch, name, value
FROM train_metrics
WHERE run_id = $run_id AND epoch >= 0
ORDER BY name, epoch;
