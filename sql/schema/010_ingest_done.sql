-- Done marks of the two-phase ingest commit: an item counts as ingested for a variant
-- only once its mark is here. Rows of a variant table without a mark are leftovers of
-- an interrupted commit; the next ingest deletes them and embeds those items again.
CREATE TABLE IF NOT EXISTS ingest_done (
    dataset      VARCHAR NOT NULL,
    variant_id   VARCHAR NOT NULL,
    item_id      VARCHAR NOT NULL,
    run_id       BIGINT,
    committed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (dataset, variant_id, item_id)
);
