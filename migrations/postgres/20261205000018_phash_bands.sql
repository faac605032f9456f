-- Near-duplicate look-ups read candidates through four 16-bit bands of the
-- 64-bit perceptual hash instead of scanning every file (multi-index hashing:
-- two hashes within d bits agree to within floor(d/4) bits in at least one
-- band). The expressions here are the ones crates/store/src/previews.rs
-- (`BAND_SQL`) queries with; the database matches them literally.
CREATE INDEX listing_files_phash_band0 ON listing_files ((phash & 65535));
CREATE INDEX listing_files_phash_band1 ON listing_files (((phash >> 16) & 65535));
CREATE INDEX listing_files_phash_band2 ON listing_files (((phash >> 32) & 65535));
CREATE INDEX listing_files_phash_band3 ON listing_files (((phash >> 48) & 65535));
