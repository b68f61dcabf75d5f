-- A new evaluation row; its results go to ranks, relevant_ranks, neighbours, score_samples.
-- n_videos / n_texts are the items evaluated, *_listed the ones the split lists.
INSERT INTO evals
    (dataset, split, text_variant, video_variant, search, k, n_texts, n_videos, config,
     rerank, uses_test_statistics, ties, protocol, n_videos_listed, n_texts_listed,
     label)
VALUES
    ($dataset, $split, $text_variant, $video_variant, $search, $k, $n_texts, $n_videos, $config,
     $rerank, $uses_test_statistics, $ties, $protocol, $n_videos_listed, $n_texts_listed,
     $label)
RETURNING eval_id;
