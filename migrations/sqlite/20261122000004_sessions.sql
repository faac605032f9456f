-- tower-sessions records (JSON), keyed by the session id; times are Unix seconds.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    data       BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
