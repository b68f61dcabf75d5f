-- $k negatives per positive pair of one split, label 0: for each caption, $k other videos of
-- the SAME split drawn by a seeded hash ($seed), so the draw is reproducible and never
-- crosses splits or hits the caption's own video. Fewer than $k when the split is smaller.
SELECT p.caption_id, v.video_id, CAST(0 AS FLOAT) AS label
FROM pair_positives AS p
JOIN videos AS v
  ON v.dataset = p.dataset AND v.split = p.split AND v.video_id <> p.video_id
WHERE p.dataset = $dataset AND p.split = $split
QUALIFY row_number() OVER (
    PARTITION BY p.caption_id ORDER BY hash(p.caption_id, v.video_id, $seed), v.video_id
) <= $k
ORDER BY p.caption_id, v.video_id;
