-- Previews: rendered preview images, each image file's perceptual hash, and
-- leases so a crashed worker's job is picked up again.
ALTER TABLE listing_files ADD COLUMN phash BIGINT;
CREATE INDEX listing_files_phash ON listing_files (phash) WHERE phash IS NOT NULL;

-- queued: not to be claimed before this time (retry back-off); running: the lease's end.
ALTER TABLE preview_jobs ADD COLUMN not_before TIMESTAMPTZ;
ALTER TABLE preview_jobs ADD COLUMN backend TEXT;
ALTER TABLE preview_jobs ADD COLUMN render_ms BIGINT;

CREATE TABLE previews (
    file_id     TEXT NOT NULL REFERENCES listing_files (id),
    long_edge   BIGINT NOT NULL CHECK (long_edge > 0),
    width       BIGINT NOT NULL CHECK (width > 0),
    height      BIGINT NOT NULL CHECK (height > 0),
    storage_key TEXT NOT NULL,
    bytes       BIGINT NOT NULL CHECK (bytes > 0),
    PRIMARY KEY (file_id, long_edge)
);
