-- Step grounding annotations: each step of a procedure video, in order, with its window
-- (seconds). The step's description is its caption (captions.caption_id = qid).
CREATE TABLE IF NOT EXISTS steps (
    dataset    VARCHAR NOT NULL,
    qid        VARCHAR NOT NULL,
    video_id   VARCHAR NOT NULL,
    step_index INTEGER NOT NULL,
    start_s    DOUBLE NOT NULL,
    end_s      DOUBLE NOT NULL,
    PRIMARY KEY (dataset, qid)
);
