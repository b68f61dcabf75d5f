-- Read every value of one catalog table (DuckDB verifies each block's checksum on read).
SELECT count(*) AS n, bit_xor(hash(t)) AS digest FROM query_table($table_name) AS t;
