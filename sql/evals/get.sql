SELECT eval_id, dataset, split, text_variant, video_variant, search, k, n_texts, n_videos,
       rerank, uses_test_statistics, config, created_at
FROM evals
WHERE eval_id = $eval_id;
