-- train_runs rows whose run, source variants or output variants are missing.
SELECT t.run_id, list(DISTINCT m.missing ORDER BY m.missing) AS missing
FROM train_runs AS t,
     (SELECT unnest(['run ' || t.run_id, t.text_variant, t.video_variant,
                     t.out_text_variant, t.out_video_variant]) AS missing) AS m
WHERE m.missing IS NOT NULL
  AND CASE WHEN m.missing = 'run ' || t.run_id
           THEN NOT EXISTS (SELECT 1 FROM runs AS r WHERE r.run_id = t.run_id)
           ELSE NOT EXISTS (SELECT 1 FROM variants AS v WHERE v.variant_id = m.missing)
      END
GROUP BY t.run_id
ORDER BY t.run_id;
