-- The append-only Merkle log (RFC 9162) and its on-chain anchors.

-- One row: the log's size. Appends bump it first, which serializes them.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (1, 0);

-- Every signed statement, at its leaf index (dense, from 0).
CREATE TABLE log_entries (
    leaf_index   INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
    leaf_hash    BLOB NOT NULL CHECK (length(leaf_hash) = 32),
    kind         INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 255),
    statement    BLOB NOT NULL,
    public_key   BLOB NOT NULL CHECK (length(public_key) = 32),
    signature    BLOB NOT NULL CHECK (length(signature) = 64),
    content_hash BLOB CHECK (content_hash IS NULL OR length(content_hash) = 32),
    created_at   TEXT NOT NULL
);
CREATE INDEX log_entries_content ON log_entries (content_hash);

-- The hash of every perfect subtree: (level, index) covers leaves
-- [index * 2^level, (index + 1) * 2^level). Level 0 holds the leaf hashes.
CREATE TABLE log_nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The anchor outbox: an intent is recorded before its transaction is sent.
CREATE TABLE anchors (
    tree_size    INTEGER PRIMARY KEY CHECK (tree_size > 0),
    root         BLOB NOT NULL CHECK (length(root) = 32),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'confirmed', 'superseded')),
    chain_id     INTEGER NOT NULL,
    contract     TEXT NOT NULL,
    tx_hash      TEXT,
    block_number INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK (status <> 'confirmed' OR (tx_hash IS NOT NULL AND block_number IS NOT NULL))
);
CREATE INDEX anchors_status ON anchors (status);
