-- A content hash's provenance is read a page at a time: its registrations,
-- then its sales newest first below a cursor, and a count of all its sales.
-- (content_hash, leaf_index) walks the page in log order without a sort;
-- (content_hash, kind) counts the sales from the index alone.
DROP INDEX log_entries_content;
CREATE INDEX log_entries_content ON log_entries (content_hash, leaf_index);
CREATE INDEX log_entries_content_kind ON log_entries (content_hash, kind);

-- Anchors are read by status, never as a whole history: the anchor job's pass
-- wants the unfinished ones and the confirmed ones inside the reorg window
-- (status, block_number); receipts and the checkpoint want the smallest
-- confirmed anchor at or above a size, or the largest (status, tree_size).
DROP INDEX anchors_status;
CREATE INDEX anchors_status_block ON anchors (status, block_number);
CREATE INDEX anchors_status_size ON anchors (status, tree_size);

-- A listing page shows its newest sales, by log index.
CREATE INDEX orders_listing_leaf ON orders (listing_id, log_leaf);
