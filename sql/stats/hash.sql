-- vtr_hash32(x): a 32-bit integer hash (Chris Wellons' "lowbias32": xor-shift, multiply,
-- xor-shift, multiply, xor-shift, all modulo 2^32) on UBIGINT values below 2^32. The
-- bootstrap and permutation draws of sql/stats/ are built from it, so that a plain numpy
-- implementation of the same few lines reproduces every draw (tests/test_stats.py).
-- Three steps, each a macro, so that no step repeats its argument more than twice.
CREATE OR REPLACE TEMP MACRO vtr_hash32_a(x) AS
    (xor(x, x >> 16) * 2146121005::UBIGINT) & 4294967295::UBIGINT;
CREATE OR REPLACE TEMP MACRO vtr_hash32_b(x) AS
    (xor(x, x >> 15) * 2221713035::UBIGINT) & 4294967295::UBIGINT;
CREATE OR REPLACE TEMP MACRO vtr_hash32(x) AS
    xor(vtr_hash32_b(vtr_hash32_a(x)), vtr_hash32_b(vtr_hash32_a(x)) >> 16);
