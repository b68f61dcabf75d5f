-- What a re-registration compares to find edited items: a hash of each caption's text,
-- and the size and modification time of each video file when it was registered. A
-- changed caption or video loses its done marks in every variant of its modality, so
-- the next ingest embeds it again (ingest/changes.py). NULL in older warehouses: the
-- stored text is then compared itself, and a file without a recorded stat never counts
-- as changed.
ALTER TABLE captions ADD COLUMN IF NOT EXISTS text_hash VARCHAR;
ALTER TABLE videos ADD COLUMN IF NOT EXISTS file_size BIGINT;
ALTER TABLE videos ADD COLUMN IF NOT EXISTS file_mtime DOUBLE;
COMMENT ON COLUMN captions.text_hash IS 'sha256 of the caption text when it was registered (finds edited captions).';
COMMENT ON COLUMN videos.file_size IS 'Size in bytes of the video file when it was registered (finds replaced files).';
COMMENT ON COLUMN videos.file_mtime IS 'Modification time (Unix seconds) of the video file when it was registered.';
