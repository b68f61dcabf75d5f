-- The ANN index of a variant's Lance table (one per variant; a rebuild replaces the row).
CREATE TABLE IF NOT EXISTS ann_indexes (
    variant_id VARCHAR PRIMARY KEY,
    index_type VARCHAR NOT NULL,
    n_rows     BIGINT NOT NULL,
    params     JSON NOT NULL,
    built_at   TIMESTAMP DEFAULT current_timestamp
);
