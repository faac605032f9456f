-- Sale webhooks: a creator's endpoints, and an outbox of deliveries written in
-- the checkout transaction (a sale and its notifications commit together).
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    creator_id  INTEGER NOT NULL REFERENCES creators (id),
    url         TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    -- The HMAC-SHA256 key ("whsec_" + 64 hex). Kept in clear: the server signs with it.
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);
CREATE INDEX webhooks_creator ON webhooks (creator_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
    -- What happened: 'sale', and its id (the order id).
    event           TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    -- The JSON body, fixed at enqueue time so every retry sends the same bytes.
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When the next attempt is due (while pending; also the claim's lease).
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
