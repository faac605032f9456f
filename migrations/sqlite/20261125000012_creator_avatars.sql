-- A creator's avatar: the re-encoded 256×256 PNG in the object store, named by its SHA-256.
CREATE TABLE creator_avatars (
    creator_id  INTEGER PRIMARY KEY REFERENCES creators (id),
    sha256      BLOB NOT NULL CHECK (length(sha256) = 32),
    storage_key TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
