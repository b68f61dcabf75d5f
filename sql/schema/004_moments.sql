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
