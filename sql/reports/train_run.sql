-- Header of a training run's report: its train_runs row, its config and status from runs.
SELECT t.run_id, t.dataset, t.text_variant, t.video_variant, t.head, t.loss, t.checkpoint,
       t.best_val_r1, t.out_text_variant, t.out_video_variant, t.test_eval, t.created_at,
       r.status, r.config, r.started_at, r.finished_at
FROM train_runs AS t
JOIN runs AS r ON r.run_id = t.run_id
WHERE t.run_id = $run_id;
