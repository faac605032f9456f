-- hex(bytes): the bytes as uppercase hexadecimal, as SQLite's built-in hex()
-- gives them, so a query that matches hash prefixes reads the same on both
-- databases (crates/store/src/sql/credits.rs).
CREATE FUNCTION hex(bytes bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN upper(encode(bytes, 'hex'));
