-- Chain payments (docs/FORMATS.md §14): one row per quote the sales signer
-- signed. An open or paid quote holds one unit of its listing (an edition
-- number, or a licence) until it completes or the chain's confirmed head has
-- passed its deadline without a payment; only then does the hold lapse.
CREATE TABLE payment_quotes (
    -- The order's id (`ord_…`, at most 32 bytes: on chain, the orderId is its
    -- UTF-8 right-padded with zero bytes); the order keeps it once completed.
    order_id        TEXT PRIMARY KEY CHECK (length(order_id) BETWEEN 8 AND 32),
    account_id      BIGINT NOT NULL REFERENCES accounts (id),
    listing_id      BIGINT NOT NULL REFERENCES listings (id),
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    buyer_address   TEXT NOT NULL CHECK (length(buyer_address) = 42),
    payee_address   TEXT NOT NULL CHECK (length(payee_address) = 42),
    -- 0x0000000000000000000000000000000000000000 for ETH.
    token           TEXT NOT NULL CHECK (length(token) = 42),
    -- Decimal integers in the token's smallest unit (wei can exceed 64 bits).
    amount          TEXT NOT NULL,
    platform_fee    TEXT NOT NULL,
    -- The listing's price the quote was made from.
    price_minor     BIGINT NOT NULL CHECK (price_minor >= 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    deadline        TIMESTAMPTZ NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'completed', 'expired')),
    -- Where the payment was seen (set when completed).
    tx_hash         TEXT,
    log_index       BIGINT,
    block_number    BIGINT,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX payment_quotes_holding ON payment_quotes (listing_id) WHERE status = 'open';
CREATE INDEX payment_quotes_open ON payment_quotes (deadline) WHERE status = 'open';

-- How far the payment watcher has read the chain (one row per sales contract).
CREATE TABLE payment_cursor (
    contract     TEXT PRIMARY KEY,
    next_block   BIGINT NOT NULL
);

-- Where a creator's primary-sale shares are credited (0x + 40 hex), proven by
-- a Sign-In-With-Ethereum message their wallet signed; NULL until set.
ALTER TABLE creators ADD COLUMN payout_address TEXT CHECK (payout_address IS NULL OR length(payout_address) = 42);
