-- A new evaluation row; its results go to ranks, relevant_ranks, neighbours, score_samples.
INSERT INTO evals
    (dataset, split, text_variant, video_variant, search, k, n_texts, n_videos, config,
     rerank, uses_test_statistics, ties, protocol)
VALUES
    ($dataset, $split, $text_variant, $video_variant, $search, $k, $n_texts, $n_videos, $config,
     $rerank, $uses_test_statistics, $ties, $protocol)
RETURNING eval_id;
