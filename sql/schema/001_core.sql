-- Core catalog: datasets and their items, embedding variants, runs, errors, evaluations.
CREATE TABLE IF NOT EXISTS datasets (
    dataset     VARCHAR PRIMARY KEY,
    format      VARCHAR NOT NULL,
    annotations VARCHAR,
    video_root  VARCHAR,
    created_at  TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS categories (
    dataset     VARCHAR NOT NULL,
    category_id INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    PRIMARY KEY (dataset, category_id)
);

CREATE TABLE IF NOT EXISTS videos (
    dataset     VARCHAR NOT NULL,
    video_id    VARCHAR NOT NULL,
    path        VARCHAR,
    duration    DOUBLE,
    fps         DOUBLE,
    width       INTEGER,
    height      INTEGER,
    n_frames    INTEGER,
    category_id INTEGER,
    split       VARCHAR,
    PRIMARY KEY (dataset, video_id)
);

CREATE TABLE IF NOT EXISTS captions (
    dataset    VARCHAR NOT NULL,
    caption_id VARCHAR NOT NULL,
    video_id   VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    n_words    INTEGER NOT NULL,
    split      VARCHAR,
    PRIMARY KEY (dataset, caption_id)
);

CREATE TABLE IF NOT EXISTS variants (
    variant_id  VARCHAR PRIMARY KEY,
    modality    VARCHAR NOT NULL,
    family      VARCHAR NOT NULL,
    backbone    VARCHAR NOT NULL,
    layer       VARCHAR NOT NULL,
    pooling     VARCHAR NOT NULL,
    temporal    VARCHAR,
    frames      INTEGER,
    dim         INTEGER NOT NULL,
    lance_table VARCHAR NOT NULL UNIQUE,
    config      JSON NOT NULL,
    created_at  TIMESTAMP DEFAULT current_timestamp
);

CREATE SEQUENCE IF NOT EXISTS run_seq START 1;
CREATE TABLE IF NOT EXISTS runs (
    run_id      INTEGER PRIMARY KEY DEFAULT nextval('run_seq'),
    kind        VARCHAR NOT NULL,
    config      JSON,
    status      VARCHAR NOT NULL DEFAULT 'running',
    summary     JSON,
    started_at  TIMESTAMP DEFAULT current_timestamp,
    finished_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS ingest_errors (
    run_id     INTEGER NOT NULL,
    dataset    VARCHAR NOT NULL,
    item_id    VARCHAR NOT NULL,
    stage      VARCHAR NOT NULL,
    variant_id VARCHAR,
    message    VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT current_timestamp
);

CREATE SEQUENCE IF NOT EXISTS eval_seq START 1;
CREATE TABLE IF NOT EXISTS evals (
    eval_id       INTEGER PRIMARY KEY DEFAULT nextval('eval_seq'),
    dataset       VARCHAR,
    split         VARCHAR,
    text_variant  VARCHAR,
    video_variant VARCHAR,
    search        VARCHAR NOT NULL,
    k             INTEGER NOT NULL,
    n_texts       INTEGER NOT NULL,
    n_videos      INTEGER NOT NULL,
    config        JSON,
    created_at    TIMESTAMP DEFAULT current_timestamp
);

-- One row per query: the rank (1-based) of its ground truth and its score.
-- t2v: query = caption, ground truth = its video.
-- v2t: query = video, ranked against the other videos' caption sets, each set
--      scored by its best caption (CLIP4Clip's multi-caption protocol).
CREATE TABLE IF NOT EXISTS ranks (
    eval_id   INTEGER NOT NULL,
    direction VARCHAR NOT NULL,
    query_id  VARCHAR NOT NULL,
    rank      INTEGER NOT NULL,
    gt_score  DOUBLE NOT NULL,
    PRIMARY KEY (eval_id, direction, query_id)
);

-- One row per (query, relevant item): that item's rank in the query's full
-- ranking of targets. mAP is computed from these.
CREATE TABLE IF NOT EXISTS relevant_ranks (
    eval_id   INTEGER NOT NULL,
    direction VARCHAR NOT NULL,
    query_id  VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,
    rank      INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS neighbours (
    eval_id   INTEGER NOT NULL,
    direction VARCHAR NOT NULL,
    query_id  VARCHAR NOT NULL,
    position  INTEGER NOT NULL,
    target_id VARCHAR NOT NULL,
    score     DOUBLE NOT NULL
);

-- A seeded sample of similarity scores of matching and non-matching pairs.
CREATE TABLE IF NOT EXISTS score_samples (
    eval_id  INTEGER NOT NULL,
    matching BOOLEAN NOT NULL,
    score    DOUBLE NOT NULL
);
