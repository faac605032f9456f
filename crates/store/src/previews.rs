//! Preview jobs (a database-backed queue with leases), rendered previews, and
//! perceptual-hash lookups for near-duplicates.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

/// A claimed job: what the worker needs to render it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewJob {
    pub id: i64,
    pub file_id: String,
    /// Including this one.
    pub attempts: i64,
    pub storage_key: String,
    pub creator_name: String,
    /// The hash computed at upload, if any (the worker checks its own against it).
    pub phash: Option<i64>,
}

/// One rendered preview to record.
#[derive(Clone, Debug)]
pub struct NewPreview<'a> {
    pub long_edge: i64,
    pub width: i64,
    pub height: i64,
    pub storage_key: &'a str,
    pub bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewRow {
    pub file_id: String,
    pub long_edge: i64,
    pub width: i64,
    pub height: i64,
    pub storage_key: String,
    pub bytes: i64,
}

/// A job as the Studio shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewJobStatus {
    pub file_id: String,
    pub listing_title: String,
    pub listing_slug: String,
    pub version: i64,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub backend: Option<String>,
    pub render_ms: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A registered image whose perceptual hash is near another's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimilarFile {
    pub file_id: String,
    pub sha256: [u8; 32],
    pub phash: i64,
    pub distance: u32,
    pub listing_slug: String,
    pub listing_title: String,
    pub creator_name: String,
    pub log_leaf: i64,
}

/// How many times a job is tried before it is marked failed.
pub const MAX_PREVIEW_ATTEMPTS: i64 = 3;

impl Store {
    /// Claims up to `limit` runnable jobs (queued and due, or running with an
    /// expired lease) and leases them until `lease_until`. On PostgreSQL
    /// concurrent workers skip each other's rows (`FOR UPDATE SKIP LOCKED`).
    pub async fn claim_preview_jobs(
        &self,
        limit: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<PreviewJob>, StoreError> {
        dispatch!(self, claim_preview_jobs(limit, now, lease_until))
    }

    /// Records the previews and the hash and marks the job done, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_preview_job(
        &self,
        job_id: i64,
        file_id: &str,
        previews: &[NewPreview<'_>],
        phash: i64,
        backend: &str,
        render_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, finish_preview_job(job_id, file_id, previews, phash, backend, render_ms, now))
    }

    /// Records a failure: queued again after `retry_at`, or failed for good when `None`.
    pub async fn fail_preview_job(
        &self,
        job_id: i64,
        error: &str,
        now: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        dispatch!(self, fail_preview_job(job_id, error, now, retry_at))
    }

    /// The previews of the newest file of a listing that has them.
    pub async fn listing_previews(&self, listing_id: i64) -> Result<Vec<PreviewRow>, StoreError> {
        dispatch!(self, listing_previews(listing_id))
    }

    /// Every preview job of a creator's files, newest first.
    pub async fn creator_preview_jobs(&self, creator_id: i64) -> Result<Vec<PreviewJobStatus>, StoreError> {
        dispatch!(self, creator_preview_jobs(creator_id))
    }

    /// One registered file with its perceptual hash (`None` if it has none).
    pub async fn file_with_phash(&self, file_id: &str) -> Result<Option<SimilarFile>, StoreError> {
        dispatch!(self, similar_file(file_id))
    }

    /// Registered images within `max_distance` bits of `phash`, nearest first (at most `limit`).
    ///
    /// Reads candidates through the four band indexes (see [`band_probes`]),
    /// so a look-up reads about 1/120 of the hashes for `max_distance` 10,
    /// not all of them; the exact distance is checked here. At most
    /// `MAX_BAND_CANDIDATES` per band: when more files than that share a
    /// band with this one (a series of near-identical images), the answer is
    /// the nearest among those read, and the look-up's cost stays bounded.
    pub async fn similar_files(
        &self,
        phash: i64,
        max_distance: u32,
        limit: usize,
    ) -> Result<Vec<SimilarFile>, StoreError> {
        let candidates: Vec<(String, i64)> = match band_probes(phash, max_distance) {
            Some(probes) => dispatch!(self, phash_candidates(&probes))?,
            None => dispatch!(self, all_phashes())?,
        };
        let mut near: Vec<(u32, String)> = candidates
            .into_iter()
            .map(|(id, p)| ((p ^ phash).count_ones(), id))
            .filter(|(d, _)| *d <= max_distance)
            .collect();
        near.sort();
        near.dedup();
        near.truncate(limit);
        let mut out = Vec::with_capacity(near.len());
        for (distance, id) in near {
            if let Some(mut f) = dispatch!(self, similar_file(&id))? {
                f.distance = distance;
                out.push(f);
            }
        }
        Ok(out)
    }
}

/// The most candidates one band's index is read for in a look-up.
pub const MAX_BAND_CANDIDATES: i64 = 1000;

/// The four 16-bit bands of a perceptual hash, lowest first: band `k` is
/// `(phash >> 16k) & 65535`, the expression the `listing_files_phash_band{k}`
/// indexes hold (migration 18).
pub fn phash_bands(phash: i64) -> [i64; 4] {
    std::array::from_fn(|k| (phash >> (16 * k)) & 0xffff)
}

/// For each band, every value within `max_distance / 4` bits of `phash`'s
/// band: if two hashes differ in at most `max_distance` bits, one of their
/// four bands differs in at most a quarter of that (pigeonhole), so the files
/// whose band `k` is among probe list `k`, for some `k`, include every match.
/// `None` when the lists would be so long that reading every hash is cheaper
/// (`max_distance` ≥ 16).
pub fn band_probes(phash: i64, max_distance: u32) -> Option<[Vec<i64>; 4]> {
    let radius = max_distance / 4;
    if radius > 3 {
        return None;
    }
    let bands = phash_bands(phash);
    Some(std::array::from_fn(|k| {
        let mut out = vec![bands[k]];
        let mut frontier = vec![(bands[k], 0u32)];
        // Flip 1..=radius distinct bits, each combination once (bits ascending).
        for _ in 0..radius {
            let mut next = Vec::new();
            for &(value, from) in &frontier {
                for bit in from..16 {
                    let flipped = value ^ (1 << bit);
                    out.push(flipped);
                    next.push((flipped, bit + 1));
                }
            }
            frontier = next;
        }
        out
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(n: usize, k: usize) -> usize {
        (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
    }

    #[test]
    fn probes_are_every_band_value_within_a_quarter_of_the_distance() {
        for (phash, d) in [(0i64, 10u32), (-1, 10), (0x1234_5678_9abc_def0, 7), (i64::MIN, 15), (42, 3)] {
            let probes = band_probes(phash, d).expect("probes");
            let r = d / 4;
            for (k, list) in probes.iter().enumerate() {
                let want: usize = (0..=r as usize).map(|i| choose(16, i)).sum();
                assert_eq!(list.len(), want, "band {k} of {phash:#x} at {d}");
                let band = phash_bands(phash)[k];
                let mut seen = std::collections::HashSet::new();
                for &v in list {
                    assert!((0..=0xffff).contains(&v));
                    assert!(((v ^ band) as u64).count_ones() <= r);
                    assert!(seen.insert(v), "each probe once");
                }
            }
        }
        assert!(band_probes(7, 16).is_none());
    }

    #[test]
    fn every_hash_within_the_distance_shares_a_probed_band() {
        // A deterministic walk over hashes at distances 0..=12 from a few centres.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200 {
            let centre = next() as i64;
            let probes = band_probes(centre, 10).expect("probes");
            for d in 0..=12u32 {
                let mut other = centre;
                let mut flipped = 0;
                while flipped < d {
                    let bit = next() % 64;
                    if (other ^ centre) >> bit & 1 == 0 {
                        other ^= 1 << bit;
                        flipped += 1;
                    }
                }
                let found = phash_bands(other).iter().zip(&probes).any(|(b, list)| list.contains(b));
                if d <= 10 {
                    assert!(found, "{other:#x} is {d} bits from {centre:#x} and must be a candidate");
                }
            }
        }
    }
}
