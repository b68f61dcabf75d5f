-- Bulk insert from the registered Arrow table moment_saliency_in.
INSERT INTO moment_saliency (dataset, qid, clip_idx, annotator, score)
SELECT $dataset, qid, clip_idx, annotator, score FROM moment_saliency_in;
