-- Listing terms, file versions, resumable uploads and preview jobs.
ALTER TABLE listings ADD COLUMN sale_starts_at TEXT;
ALTER TABLE listings ADD COLUMN sale_ends_at TEXT;
-- Most editions one account may buy (NULL: no cap).
ALTER TABLE listings ADD COLUMN per_account_cap INTEGER CHECK (per_account_cap IS NULL OR per_account_cap >= 1);
-- Comma-separated, lower-case.
ALTER TABLE listings ADD COLUMN tags TEXT NOT NULL DEFAULT '';
-- The licence terms as canonical JSON (crates/formats/src/license.rs) and their SHA-256.
ALTER TABLE listings ADD COLUMN license_json TEXT NOT NULL DEFAULT '';
ALTER TABLE listings ADD COLUMN license_hash BLOB;

-- One row per registered file version. A new file adds a version; none is replaced.
CREATE TABLE listing_files (
    id             TEXT PRIMARY KEY NOT NULL,
    listing_id     INTEGER NOT NULL REFERENCES listings (id),
    version        INTEGER NOT NULL CHECK (version >= 1),
    sha256         BLOB NOT NULL CHECK (length(sha256) = 32),
    size           INTEGER NOT NULL CHECK (size >= 0),
    file_type      TEXT NOT NULL,
    -- Where the bytes live in the object store.
    storage_key    TEXT NOT NULL,
    -- A second identity: a workflow's layout-free canonical hash or a LoRA's tensor-data hash.
    alt_hash       BLOB CHECK (alt_hash IS NULL OR length(alt_hash) = 32),
    -- What the parser found (JSON shown on the listing page).
    details        TEXT NOT NULL DEFAULT '{}',
    -- The ContentRegistered statement's log index.
    log_leaf       INTEGER NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    UNIQUE (listing_id, version)
);
CREATE INDEX listing_files_sha256 ON listing_files (sha256);

-- Resumable uploads in progress: bytes land in a staging file until complete.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    listing_id  INTEGER NOT NULL REFERENCES listings (id),
    size        INTEGER NOT NULL CHECK (size >= 1),
    sha256      BLOB NOT NULL CHECK (length(sha256) = 32),
    received    INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= size),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Preview rendering work (see the Previews milestone); one per image file version.
CREATE TABLE preview_jobs (
    id          INTEGER PRIMARY KEY,
    file_id     TEXT NOT NULL UNIQUE REFERENCES listing_files (id),
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX preview_jobs_queue ON preview_jobs (status, id);
