INSERT INTO runs (kind, config) VALUES ($kind, $config) RETURNING run_id;
