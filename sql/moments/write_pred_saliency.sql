-- Bulk insert from the registered Arrow table moment_pred_saliency_in.
INSERT INTO moment_pred_saliency (pred_id, qid, clip_idx, score)
SELECT $pred_id, qid, clip_idx, score FROM moment_pred_saliency_in;
