-- Work only one process may do at a time (anchoring, the payment watcher) is
-- held through a lease: the holder renews it every round; another process
-- takes it over once it has expired (the holder was killed) or was released
-- (the holder stopped cleanly). Times are Unix milliseconds.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
