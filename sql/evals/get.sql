SELECT eval_id, dataset, split, text_variant, video_variant, search, k, n_texts, n_videos,
       n_texts_listed, n_videos_listed,
       eval_coverage(n_videos, n_videos_listed, n_texts, n_texts_listed) AS coverage,
       rerank, uses_test_statistics, ties, protocol, label, config, created_at
FROM evals
WHERE eval_id = $eval_id;
