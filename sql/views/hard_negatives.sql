-- Hard negatives of one split: for each caption, the $k best-scoring WRONG videos of its own
-- split in evaluation $eval_id (an exact search of that split under the mining variants,
-- stored by `vtr eval` / run_eval with at least $k + 1 neighbours per query). The caption's
-- own video is never among them. position = the video's rank in the caption's neighbours.
SELECT p.caption_id, p.video_id AS positive_id, n.target_id AS video_id, n.position, n.score
FROM pair_positives AS p
JOIN neighbours AS n
  ON n.eval_id = $eval_id AND n.direction = 't2v' AND n.query_id = p.caption_id
JOIN videos AS v
  ON v.dataset = p.dataset AND v.video_id = n.target_id AND v.split = p.split
WHERE p.dataset = $dataset AND p.split = $split AND n.target_id <> p.video_id
QUALIFY row_number() OVER (PARTITION BY p.caption_id ORDER BY n.position) <= $k
ORDER BY p.caption_id, n.position;
