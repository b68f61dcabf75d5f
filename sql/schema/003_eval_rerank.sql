-- Inference-time re-ranking applied to an evaluation's similarity matrix before ranking:
-- 'none' (plain cosine), 'dual-softmax' (CAMoE), 'qb-norm' (query-bank normalisation).
-- uses_test_statistics marks results that used statistics of the test queries themselves.
ALTER TABLE evals ADD COLUMN IF NOT EXISTS rerank VARCHAR DEFAULT 'none';
ALTER TABLE evals ADD COLUMN IF NOT EXISTS uses_test_statistics BOOLEAN DEFAULT false;
