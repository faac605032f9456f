-- Orders (editions sold and licences granted) and full-text search over listings.

-- One row per purchase. An edition order holds its number (1..N, unique per
-- listing); a licence order (workflow, LoRA) has none and is unique per account.
CREATE TABLE orders (
    id               TEXT PRIMARY KEY NOT NULL,
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    listing_id       INTEGER NOT NULL REFERENCES listings (id),
    -- The file version bought (what the download serves).
    file_id          TEXT NOT NULL REFERENCES listing_files (id),
    edition          INTEGER CHECK (edition IS NULL OR edition >= 1),
    price_minor      INTEGER NOT NULL CHECK (price_minor >= 0),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    status           TEXT NOT NULL DEFAULT 'paid' CHECK (status IN ('paid', 'refunded')),
    payment_provider TEXT NOT NULL,
    payment_ref      TEXT NOT NULL,
    -- Chosen by the client; a retry with the same key returns the same order.
    idempotency_key  TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    -- The secret that makes the statement's buyer_ref (docs/FORMATS.md §11).
    buyer_salt       BLOB NOT NULL CHECK (length(buyer_salt) = 32),
    -- The EditionSold / LicenseGranted statement's log index.
    log_leaf         INTEGER NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    UNIQUE (listing_id, edition),
    UNIQUE (account_id, idempotency_key)
);
CREATE UNIQUE INDEX orders_one_licence ON orders (account_id, listing_id) WHERE edition IS NULL;
CREATE INDEX orders_account ON orders (account_id, created_at);
CREATE INDEX orders_listing ON orders (listing_id, created_at);

-- Full-text search: title, description, tags and the creator's names.
CREATE VIRTUAL TABLE listings_fts USING fts5 (
    title, description, tags, creator,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO listings_fts (rowid, title, description, tags, creator)
    SELECT l.id, l.title, l.description, l.tags, c.display_name || ' ' || c.handle
    FROM listings l JOIN creators c ON c.id = l.creator_id;

CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN
    INSERT INTO listings_fts (rowid, title, description, tags, creator)
        SELECT NEW.id, NEW.title, NEW.description, NEW.tags, c.display_name || ' ' || c.handle
        FROM creators c WHERE c.id = NEW.creator_id;
END;
CREATE TRIGGER listings_fts_update AFTER UPDATE OF title, description, tags ON listings BEGIN
    DELETE FROM listings_fts WHERE rowid = OLD.id;
    INSERT INTO listings_fts (rowid, title, description, tags, creator)
        SELECT NEW.id, NEW.title, NEW.description, NEW.tags, c.display_name || ' ' || c.handle
        FROM creators c WHERE c.id = NEW.creator_id;
END;
CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings BEGIN
    DELETE FROM listings_fts WHERE rowid = OLD.id;
END;
