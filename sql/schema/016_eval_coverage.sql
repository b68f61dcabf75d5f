-- Coverage of an evaluation: how many videos and captions its split listed, beside
-- n_videos / n_texts, the ones it evaluated. They differ only for `vtr eval --missing
-- skip` (or an external matrix stored for part of a split); earlier evaluations ran
-- on everything they listed.
ALTER TABLE evals ADD COLUMN IF NOT EXISTS n_videos_listed INTEGER;
ALTER TABLE evals ADD COLUMN IF NOT EXISTS n_texts_listed INTEGER;
UPDATE evals SET n_videos_listed = n_videos WHERE n_videos_listed IS NULL;
UPDATE evals SET n_texts_listed = n_texts WHERE n_texts_listed IS NULL;
-- 'full', or e.g. '20/1000 videos, 140/7000 texts' for a partial evaluation: what
-- listings and reports show, since a partial gallery makes R@K look better.
CREATE OR REPLACE MACRO eval_coverage(n_videos, n_videos_listed, n_texts, n_texts_listed) AS
    CASE
        WHEN n_videos_listed IS NULL OR n_texts_listed IS NULL
             OR (n_videos = n_videos_listed AND n_texts = n_texts_listed) THEN 'full'
        ELSE n_videos || '/' || n_videos_listed || ' videos, '
             || n_texts || '/' || n_texts_listed || ' texts'
    END;
-- The name of another system's result stored with `vtr metrics retrieval --into`
-- (its text_variant and video_variant are NULL); NULL for vtr's own evaluations.
ALTER TABLE evals ADD COLUMN IF NOT EXISTS label VARCHAR;
