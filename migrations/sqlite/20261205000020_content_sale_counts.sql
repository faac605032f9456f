-- How many log entries about a file are not its registration (sales,
-- licences): kept as a counter, written in the transaction of each append,
-- so a verify look-up reads one row instead of counting every sale of a
-- popular file (which slowed the look-up as the file sold).
CREATE TABLE content_sale_counts (
    content_hash BLOB PRIMARY KEY CHECK (length(content_hash) = 32),
    entries BIGINT NOT NULL CHECK (entries >= 0)
);
INSERT INTO content_sale_counts (content_hash, entries)
SELECT content_hash, count(*) FROM log_entries WHERE content_hash IS NOT NULL AND kind <> 1 GROUP BY content_hash;
