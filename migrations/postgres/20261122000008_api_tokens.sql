-- API tokens for creators' pipelines and the CLI (`Authorization: Bearer
-- col_…`). The secret is shown once; only its SHA-256 is kept: 256 random bits
-- need no slow hash, and a look-up by hash is one index probe.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- The token's first characters ("col_1a2b3c4d"), to tell tokens apart in lists.
    prefix       TEXT NOT NULL,
    -- A comma-separated subset of read,publish,sales.
    scopes       TEXT NOT NULL CHECK (length(scopes) BETWEEN 4 AND 40),
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);
