-- A synthetic evaluation $eval_id (its evals row must exist) of $n_videos videos with
-- $per_video captions each, for benchmarks (bench/bootstrap.py): T2V caption 'c<video>_<j>'
-- of video 'v<video>' and V2T query 'v<video>', each ranked 1 + floor(u^3 * $n_videos)
-- with u uniform from vtr_hash32 (sql/stats/hash.sql), so most ranks are small.
INSERT INTO eval_query_results
    (eval_id, direction, query_id, rank, gt_score, ap, video_id, category_id, n_words)
WITH queries AS (
    SELECT v, j, v * ($per_video + 1) + j AS k
    FROM range($n_videos) AS a(v)
    CROSS JOIN range($per_video + 1) AS b(j)
),
ranked AS (
    SELECT v, j,
           1 + floor(pow(vtr_hash32(k::UBIGINT) / 4294967296.0, 3) * $n_videos) AS rank
    FROM queries
)
SELECT $eval_id,
       CASE WHEN j < $per_video THEN 't2v' ELSE 'v2t' END,
       CASE WHEN j < $per_video THEN 'c' || v || '_' || j ELSE 'v' || v END,
       rank, 0.0, 1 / rank, 'v' || v, CAST(v % 20 AS INTEGER),
       CASE WHEN j < $per_video THEN CAST(5 + v % 20 AS INTEGER) END
FROM ranked;
