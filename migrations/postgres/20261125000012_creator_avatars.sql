-- A creator's avatar: the re-encoded 256×256 PNG in the object store, named by its SHA-256.
CREATE TABLE creator_avatars (
    creator_id  BIGINT PRIMARY KEY REFERENCES creators (id),
    sha256      BYTEA NOT NULL CHECK (length(sha256) = 32),
    storage_key TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
