-- A creator's private style library: generation settings saved from a
-- listing's metadata (docs/FORMATS.md §13), to find their works made alike.
CREATE TABLE style_entries (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    creator_id BIGINT NOT NULL REFERENCES creators (id),
    listing_id BIGINT NOT NULL REFERENCES listings (id),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- The generation summary as saved (JSON: seed, settings, models, tool).
    generation TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (creator_id, listing_id)
);
CREATE INDEX style_entries_creator ON style_entries (creator_id);
