-- How an evaluation turned scores into ranks and ranks into numbers:
--   ties      'pessimistic' (a tied item ranks ahead of the ground truth), 'optimistic'
--             (behind it) or 'mean' (the expected rank under random tie-breaking)
--   protocol  'vtr' (vtr's definitions) or a named reference protocol ('clip4clip') whose
--             conventions the metric views follow for that evaluation
ALTER TABLE evals ADD COLUMN IF NOT EXISTS ties VARCHAR DEFAULT 'pessimistic';
ALTER TABLE evals ADD COLUMN IF NOT EXISTS protocol VARCHAR DEFAULT 'vtr';
