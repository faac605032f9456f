-- tower-sessions records (JSON), keyed by the session id; times are Unix seconds.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
