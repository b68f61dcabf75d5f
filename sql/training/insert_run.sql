-- Record one finished training run (its full config is in its runs row).
INSERT INTO train_runs (
    run_id, dataset, text_variant, video_variant, head, loss, checkpoint, best_val_r1,
    out_text_variant, out_video_variant, test_eval
)
VALUES (
    $run_id, $dataset, $text_variant, $video_variant, $head, $loss, $checkpoint,
    $best_val_r1, $out_text_variant, $out_video_variant, $test_eval
);
