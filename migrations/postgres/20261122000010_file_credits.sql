-- What an image's generation metadata credits (docs/FORMATS.md §13): hashes
-- of the models, LoRAs and workflows it names, matched at read time against
-- registered files (their SHA-256 or second identity) for "made with" / "used in".
CREATE TABLE file_credits (
    file_id     TEXT NOT NULL REFERENCES listing_files (id),
    kind        TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    -- Lower-case hex: a full SHA-256 or a short prefix of one (>= 10 digits).
    hash_prefix TEXT NOT NULL CHECK (length(hash_prefix) BETWEEN 10 AND 64),
    PRIMARY KEY (file_id, kind, hash_prefix)
);
