-- Ranks may be fractional: under the 'mean' ties rule (evals.ties) a ground truth tied
-- with other items gets its expected rank under random tie-breaking, e.g. 1.5.
-- Integer ranks of older evaluations convert unchanged.
ALTER TABLE ranks ALTER COLUMN rank TYPE DOUBLE;
ALTER TABLE relevant_ranks ALTER COLUMN rank TYPE DOUBLE;
-- How an evaluation searched, as reports and `vtr evals` show it: 'exact', or
-- 'ann (nprobes=N)' for an evaluation answered from ANN indexes (its ranks past k are
-- censored, see the README).
CREATE OR REPLACE MACRO eval_search_kind(search, config) AS
    CASE
        WHEN search = 'ann' THEN 'ann (nprobes=' || coalesce(config ->> 'nprobes', '?') || ')'
        ELSE search
    END;
