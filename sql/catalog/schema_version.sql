CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP DEFAULT current_timestamp
);
ALTER TABLE schema_version ADD COLUMN IF NOT EXISTS sha256 VARCHAR;
