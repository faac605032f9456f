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
    /// A scan of every hash (8 bytes a file); past millions of images this
    /// wants a multi-index (four 16-bit bands) instead.
    pub async fn similar_files(
        &self,
        phash: i64,
        max_distance: u32,
        limit: usize,
    ) -> Result<Vec<SimilarFile>, StoreError> {
        let all: Vec<(String, i64)> = dispatch!(self, all_phashes())?;
        let mut near: Vec<(u32, String)> =
            all.into_iter().map(|(id, p)| ((p ^ phash).count_ones(), id)).filter(|(d, _)| *d <= max_distance).collect();
        near.sort();
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
