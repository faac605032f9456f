-- Resales (docs/FORMATS.md §2.1 kind 7, §14 quote kind 1): a holder offers
-- an edition they bought; a buyer pays the offer on chain; the creator's
-- royalty and the platform's fee are credited by the contract; the edition's
-- order passes to the buyer with an operator-signed EditionTransferred.

-- The creator's share of every resale of this listing, in basis points
-- (capped at the contract's 10 %), shown before anyone pays.
ALTER TABLE listings ADD COLUMN royalty_bps INTEGER NOT NULL DEFAULT 500 CHECK (royalty_bps BETWEEN 0 AND 1000);

-- Orders, rebuilt (SQLite cannot alter a constraint): status gains 'resold'
-- (the edition passed to a later order), `resale_of` names the order a resale
-- bought from, and an edition number is unique among the orders that hold it
-- now (each resale adds a row with the same number).
CREATE TABLE orders_v16 (
    id               TEXT PRIMARY KEY NOT NULL,
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    listing_id       INTEGER NOT NULL REFERENCES listings (id),
    file_id          TEXT NOT NULL REFERENCES listing_files (id),
    edition          INTEGER CHECK (edition IS NULL OR edition >= 1),
    price_minor      INTEGER NOT NULL CHECK (price_minor >= 0),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    status           TEXT NOT NULL DEFAULT 'paid' CHECK (status IN ('paid', 'refunded', 'resold')),
    payment_provider TEXT NOT NULL,
    payment_ref      TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    buyer_salt       BLOB NOT NULL CHECK (length(buyer_salt) = 32),
    log_leaf         INTEGER NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    resale_of        TEXT REFERENCES orders_v16 (id),
    UNIQUE (account_id, idempotency_key)
);
INSERT INTO orders_v16 (id, account_id, listing_id, file_id, edition, price_minor, currency, status, payment_provider,
                        payment_ref, idempotency_key, buyer_salt, log_leaf, created_at)
    SELECT id, account_id, listing_id, file_id, edition, price_minor, currency, status, payment_provider,
           payment_ref, idempotency_key, buyer_salt, log_leaf, created_at FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v16 RENAME TO orders;
CREATE UNIQUE INDEX orders_edition_holder ON orders (listing_id, edition) WHERE status = 'paid' AND edition IS NOT NULL;
CREATE UNIQUE INDEX orders_one_licence ON orders (account_id, listing_id) WHERE edition IS NULL;
CREATE INDEX orders_account ON orders (account_id, created_at);
CREATE INDEX orders_listing ON orders (listing_id, created_at);
CREATE INDEX orders_listing_leaf ON orders (listing_id, log_leaf);
CREATE INDEX orders_resale_of ON orders (resale_of) WHERE resale_of IS NOT NULL;

-- An edition offered for resale by the account whose order holds it. At most
-- one open offer per order; an offer closes when sold or withdrawn.
CREATE TABLE resale_offers (
    id                TEXT PRIMARY KEY NOT NULL,
    order_id          TEXT NOT NULL REFERENCES orders (id),
    seller_account_id INTEGER NOT NULL REFERENCES accounts (id),
    listing_id        INTEGER NOT NULL REFERENCES listings (id),
    edition           INTEGER NOT NULL CHECK (edition >= 1),
    price_minor       INTEGER NOT NULL CHECK (price_minor > 0),
    currency          TEXT NOT NULL CHECK (length(currency) = 3),
    -- Where the seller's share is credited: the wallet that paid for the edition.
    payout_address    TEXT NOT NULL CHECK (length(payout_address) = 42),
    status            TEXT NOT NULL CHECK (status IN ('open', 'sold', 'withdrawn')),
    created_at        TEXT NOT NULL,
    closed_at         TEXT
);
CREATE UNIQUE INDEX resale_offers_one_open ON resale_offers (order_id) WHERE status = 'open';
CREATE INDEX resale_offers_listing ON resale_offers (listing_id, price_minor) WHERE status = 'open';

-- A resale quote names its offer (at most one open quote per offer: the
-- offer's hold) and the royalty it was signed with; primary quotes leave these NULL.
ALTER TABLE payment_quotes ADD COLUMN resale_offer_id TEXT REFERENCES resale_offers (id);
ALTER TABLE payment_quotes ADD COLUMN royalty_receiver TEXT CHECK (royalty_receiver IS NULL OR length(royalty_receiver) = 42);
ALTER TABLE payment_quotes ADD COLUMN royalty TEXT;
CREATE UNIQUE INDEX payment_quotes_one_resale ON payment_quotes (resale_offer_id) WHERE status = 'open' AND resale_offer_id IS NOT NULL;
