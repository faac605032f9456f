-- A content hash's provenance is read a page at a time: its registrations,
-- then its sales newest first below a cursor, and a count of all its sales.
-- (content_hash, leaf_index) walks the page in log order without a sort;
-- (content_hash, kind) counts the sales from the index alone.
DROP INDEX log_entries_content;
CREATE INDEX log_entries_content ON log_entries (content_hash, leaf_index);
CREATE INDEX log_entries_content_kind ON log_entries (content_hash, kind);
