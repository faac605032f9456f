-- Creators and their listings.
CREATE TABLE creators (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle       TEXT NOT NULL UNIQUE CHECK (length(handle) BETWEEN 1 AND 64),
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE listings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    creator_id    BIGINT NOT NULL REFERENCES creators (id),
    slug          TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 120),
    kind          TEXT NOT NULL CHECK (kind IN ('edition', 'workflow', 'lora')),
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description   TEXT NOT NULL DEFAULT '',
    price_minor   BIGINT NOT NULL CHECK (price_minor >= 0),
    currency      TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    -- N for editions (1..10,000); NULL for workflows and LoRAs.
    edition_size  BIGINT CHECK (edition_size BETWEEN 1 AND 10000),
    -- The edition allocator: bumped atomically by checkout, never past edition_size.
    editions_sold BIGINT NOT NULL DEFAULT 0 CHECK (editions_sold >= 0),
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    CHECK ((kind = 'edition') = (edition_size IS NOT NULL)),
    CHECK (edition_size IS NULL OR editions_sold <= edition_size),
    CHECK ((status = 'draft') OR (published_at IS NOT NULL))
);

CREATE INDEX listings_published ON listings (status, published_at DESC);
CREATE INDEX listings_creator ON listings (creator_id);
