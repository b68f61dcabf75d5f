SELECT version, sha256 FROM schema_version ORDER BY version;
