-- Does prediction set $pred_id cover exactly the queries of $dataset, all labelled?
-- A query counts as predicted when it has a window or a saliency score. With
-- $only_predicted the dataset's queries are restricted to the predicted ones.
WITH predicted AS (
    SELECT qid FROM moment_pred_windows WHERE pred_id = $pred_id
    UNION
    SELECT qid FROM moment_pred_saliency WHERE pred_id = $pred_id
),
gt AS (
    SELECT q.qid, EXISTS (
        SELECT 1 FROM moment_windows AS w WHERE w.dataset = q.dataset AND w.qid = q.qid
    ) AS labelled
    FROM moment_queries AS q
    WHERE q.dataset = $dataset AND (NOT $only_predicted OR q.qid IN (SELECT qid FROM predicted))
)
SELECT (SELECT count(*) FROM gt) AS n_queries,
       (SELECT coalesce(list(qid ORDER BY qid), []) FROM gt WHERE NOT labelled) AS unlabelled,
       (SELECT coalesce(list(qid ORDER BY qid), []) FROM gt WHERE qid NOT IN (SELECT qid FROM predicted)) AS missing,
       (SELECT coalesce(list(qid ORDER BY qid), []) FROM predicted WHERE qid NOT IN (SELECT qid FROM gt)) AS extra;
