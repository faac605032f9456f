-- Accounts (anyone), creator profiles (any account can become one) and the
-- creators' public keys. Private keys never reach the server.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    -- Lower-cased at the edge; unique per person.
    email         TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    -- PHC string (argon2id).
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

ALTER TABLE creators ADD COLUMN account_id INTEGER REFERENCES accounts (id);
ALTER TABLE creators ADD COLUMN bio TEXT NOT NULL DEFAULT '' CHECK (length(bio) <= 2000);
CREATE UNIQUE INDEX creators_account ON creators (account_id);

CREATE TABLE creator_keys (
    -- SHA-256 of the public key (the statement key id), 32 bytes.
    key_id          BLOB PRIMARY KEY CHECK (length(key_id) = 32),
    creator_id      INTEGER NOT NULL REFERENCES creators (id),
    public_key      BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
    status          TEXT NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
    -- The KeyRegistered / KeyRotated leaf that introduced the key.
    registered_leaf INTEGER NOT NULL,
    -- The KeyRotated / KeyRevoked leaf that ended it, and why.
    ended_leaf      INTEGER,
    revoke_reason   TEXT CHECK (revoke_reason IN ('compromised', 'superseded', 'retired')),
    created_at      TEXT NOT NULL,
    ended_at        TEXT,
    CHECK ((status = 'active') = (ended_leaf IS NULL))
);
-- At most one active key per creator.
CREATE UNIQUE INDEX creator_keys_active ON creator_keys (creator_id) WHERE status = 'active';
