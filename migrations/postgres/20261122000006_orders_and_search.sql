-- Orders (editions sold and licences granted) and full-text search over listings.

-- One row per purchase. An edition order holds its number (1..N, unique per
-- listing); a licence order (workflow, LoRA) has none and is unique per account.
CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts (id),
    listing_id       BIGINT NOT NULL REFERENCES listings (id),
    -- The file version bought (what the download serves).
    file_id          TEXT NOT NULL REFERENCES listing_files (id),
    edition          BIGINT CHECK (edition IS NULL OR edition >= 1),
    price_minor      BIGINT NOT NULL CHECK (price_minor >= 0),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    status           TEXT NOT NULL DEFAULT 'paid' CHECK (status IN ('paid', 'refunded')),
    payment_provider TEXT NOT NULL,
    payment_ref      TEXT NOT NULL,
    -- Chosen by the client; a retry with the same key returns the same order.
    idempotency_key  TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    -- The secret that makes the statement's buyer_ref (docs/FORMATS.md §11).
    buyer_salt       BYTEA NOT NULL CHECK (length(buyer_salt) = 32),
    -- The EditionSold / LicenseGranted statement's log index.
    log_leaf         BIGINT NOT NULL UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (listing_id, edition),
    UNIQUE (account_id, idempotency_key)
);
CREATE UNIQUE INDEX orders_one_licence ON orders (account_id, listing_id) WHERE edition IS NULL;
CREATE INDEX orders_account ON orders (account_id, created_at);
CREATE INDEX orders_listing ON orders (listing_id, created_at);

-- Full-text search over title, description and tags. The `colophon`
-- configuration is 'simple' (no stemming) with accents removed: the same
-- matching as SQLite's unicode61 tokenizer. Creator names are matched at query time.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION colophon (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION colophon ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
ALTER TABLE listings ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('colophon', title || ' ' || description || ' ' || replace(tags, ',', ' '))
) STORED;
CREATE INDEX listings_search ON listings USING GIN (search);
