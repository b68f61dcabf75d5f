INSERT INTO schema_version (version, name, sha256) VALUES ($version, $name, $sha256);
