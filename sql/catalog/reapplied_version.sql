-- A re-applied migration (vtr/warehouse/migrations.py REAPPLIED) ran again: its new text's hash.
UPDATE schema_version SET sha256 = $sha256, applied_at = current_timestamp WHERE version = $version;
