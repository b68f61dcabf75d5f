-- Moment retrieval / highlight detection (QVHighlights format).
-- moment_queries: one row per query (qid) on one video; duration in seconds.
-- moment_windows: the query's relevant windows [start_s, end_s], in file order.
-- moment_saliency: per relevant clip (clip_idx = start second / clip length), one score
--   0-4 per annotator (0-based); clips not listed score 0 for every annotator.
-- moment_predictions: one row per prediction set (a predictions file or a predictor run);
--   moment_pred_windows keeps each set's windows in file order (rank 0 = first listed),
--   moment_pred_saliency one score per clip.
-- video_clips: the clips of a clip-level ingest, ordered in time by clip_idx; item_id is
--   the clip's row id in the clip variants' Lance tables.
-- clip_captions: optional per-clip captions (caption-augmented predictors).
CREATE TABLE IF NOT EXISTS moment_queries (
    dataset  VARCHAR NOT NULL,
    qid      BIGINT NOT NULL,
    query    VARCHAR NOT NULL,
    video_id VARCHAR NOT NULL,
    duration DOUBLE NOT NULL,
    split    VARCHAR,
    PRIMARY KEY (dataset, qid)
);

CREATE TABLE IF NOT EXISTS moment_windows (
    dataset    VARCHAR NOT NULL,
    qid        BIGINT NOT NULL,
    window_idx INTEGER NOT NULL,
    start_s    DOUBLE NOT NULL,
    end_s      DOUBLE NOT NULL,
    PRIMARY KEY (dataset, qid, window_idx)
);

CREATE TABLE IF NOT EXISTS moment_saliency (
    dataset   VARCHAR NOT NULL,
    qid       BIGINT NOT NULL,
    clip_idx  INTEGER NOT NULL,
    annotator INTEGER NOT NULL,
    score     INTEGER NOT NULL,
    PRIMARY KEY (dataset, qid, clip_idx, annotator)
);

CREATE SEQUENCE IF NOT EXISTS moment_pred_id_seq START 1;

CREATE TABLE IF NOT EXISTS moment_predictions (
    pred_id    INTEGER PRIMARY KEY DEFAULT nextval('moment_pred_id_seq'),
    dataset    VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    config     JSON,
    created_at TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS moment_pred_windows (
    pred_id INTEGER NOT NULL,
    qid     BIGINT NOT NULL,
    rank    INTEGER NOT NULL,
    start_s DOUBLE NOT NULL,
    end_s   DOUBLE NOT NULL,
    score   DOUBLE NOT NULL,
    PRIMARY KEY (pred_id, qid, rank)
);

CREATE TABLE IF NOT EXISTS moment_pred_saliency (
    pred_id  INTEGER NOT NULL,
    qid      BIGINT NOT NULL,
    clip_idx INTEGER NOT NULL,
    score    DOUBLE NOT NULL,
    PRIMARY KEY (pred_id, qid, clip_idx)
);

CREATE TABLE IF NOT EXISTS video_clips (
    dataset  VARCHAR NOT NULL,
    video_id VARCHAR NOT NULL,
    clip_idx INTEGER NOT NULL,
    item_id  VARCHAR NOT NULL,
    start_s  DOUBLE NOT NULL,
    end_s    DOUBLE NOT NULL,
    PRIMARY KEY (dataset, video_id, clip_idx)
);

CREATE TABLE IF NOT EXISTS clip_captions (
    dataset  VARCHAR NOT NULL,
    video_id VARCHAR NOT NULL,
    clip_idx INTEGER NOT NULL,
    text     VARCHAR NOT NULL,
    PRIMARY KEY (dataset, video_id, clip_idx)
);

-- One row per (query, clip of its video) with the clip's labels: mean annotator saliency
-- (0-4; 0 for unlisted clips, NULL on unlabelled splits) and whether the clip's centre
-- lies in a relevant window. Training and prediction read clip sequences through it.
CREATE OR REPLACE VIEW moment_clip_labels AS
SELECT q.dataset, q.qid, q.split, q.query, q.video_id, q.duration,
       c.clip_idx, c.item_id, c.start_s, c.end_s,
       CASE WHEN labelled.qid IS NULL THEN NULL
            ELSE coalesce((SELECT sum(s.score) FROM moment_saliency AS s
                           WHERE s.dataset = q.dataset AND s.qid = q.qid
                             AND s.clip_idx = c.clip_idx), 0) / 3.0
       END AS saliency,
       CASE WHEN labelled.qid IS NULL THEN NULL
            ELSE EXISTS (SELECT 1 FROM moment_windows AS w
                         WHERE w.dataset = q.dataset AND w.qid = q.qid
                           AND (c.start_s + c.end_s) / 2 BETWEEN w.start_s AND w.end_s)
       END AS in_window
FROM moment_queries AS q
JOIN video_clips AS c ON c.dataset = q.dataset AND c.video_id = q.video_id
LEFT JOIN (SELECT DISTINCT dataset, qid FROM moment_windows) AS labelled
    ON labelled.dataset = q.dataset AND labelled.qid = q.qid;
