-- Training: the pair tables heads train on, and the record of each training run.
-- Every (caption, video) positive pair with the split of its video. A caption always pairs
-- with its own video, so no pair crosses splits; the parameterised queries in sql/views/
-- (positives, sampled negatives, hard negatives) all read this view.
CREATE OR REPLACE VIEW pair_positives AS
SELECT c.dataset, c.caption_id, c.video_id, v.split, c.n_words
FROM captions AS c
JOIN videos AS v ON v.dataset = c.dataset AND v.video_id = c.video_id;

-- One row per training run (its runs row holds the full config and summary).
CREATE TABLE IF NOT EXISTS train_runs (
    run_id            INTEGER PRIMARY KEY,
    dataset           VARCHAR NOT NULL,
    text_variant      VARCHAR NOT NULL,
    video_variant     VARCHAR NOT NULL,
    head              VARCHAR NOT NULL,
    loss              VARCHAR NOT NULL,
    checkpoint        VARCHAR,
    best_val_r1       DOUBLE,
    out_text_variant  VARCHAR,
    out_video_variant VARCHAR,
    test_eval         INTEGER,
    created_at        TIMESTAMP DEFAULT current_timestamp
);

-- Metrics per epoch, named per split (train/loss, val/loss, val/R@1, ...).
CREATE TABLE IF NOT EXISTS train_metrics (
    run_id INTEGER NOT NULL,
    epoch  INTEGER NOT NULL,
    name   VARCHAR NOT NULL,
    value  DOUBLE NOT NULL,
    PRIMARY KEY (run_id, epoch, name)
);
