//! The creator side of listings: drafts with terms, file versions registered
//! atomically with their log entry, resumable uploads, preview jobs.

use chrono::{DateTime, Utc};

use crate::{ListingKind, ListingStatus, NewLogEntry, Store, StoreError};

/// A draft listing with its terms.
#[derive(Clone, Debug)]
pub struct ListingDraft<'a> {
    pub creator_id: i64,
    pub slug: &'a str,
    pub kind: ListingKind,
    pub title: &'a str,
    pub description: &'a str,
    pub price_minor: i64,
    pub currency: &'a str,
    pub edition_size: Option<i64>,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub per_account_cap: Option<i64>,
    /// The creator's share of each resale, basis points.
    pub royalty_bps: i64,
    pub tags: &'a str,
    pub license_json: &'a str,
    pub license_hash: [u8; 32],
    pub created_at: DateTime<Utc>,
}

/// A stored listing, every field: callers decide who may see what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingRecord {
    pub id: i64,
    pub creator_id: i64,
    pub slug: String,
    pub kind: ListingKind,
    pub title: String,
    pub description: String,
    pub status: ListingStatus,
    pub price_minor: i64,
    pub currency: String,
    pub edition_size: Option<i64>,
    pub sold: i64,
    pub tags: String,
    pub license_json: String,
    pub license_hash: Option<[u8; 32]>,
    pub files: i64,
    /// The creator's share of each resale, basis points.
    pub royalty_bps: i64,
}

/// A registered file version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRow {
    pub id: String,
    pub listing_id: i64,
    pub version: i64,
    pub sha256: [u8; 32],
    pub size: i64,
    pub file_type: String,
    pub storage_key: String,
    pub alt_hash: Option<[u8; 32]>,
    pub details: String,
    pub log_leaf: u64,
    pub created_at: DateTime<Utc>,
}

/// A file to register (its bytes are already in the object store).
#[derive(Clone, Debug)]
pub struct NewFile<'a> {
    pub id: &'a str,
    pub listing_id: i64,
    pub sha256: [u8; 32],
    pub size: i64,
    pub file_type: &'a str,
    pub storage_key: &'a str,
    pub alt_hash: Option<[u8; 32]>,
    pub details: &'a str,
    /// Queue a preview job (images).
    pub preview: bool,
    /// The image's 64-bit perceptual hash (big-endian bytes as i64).
    pub phash: Option<i64>,
    /// The upload this file completes (deleted in the same transaction).
    pub upload_id: Option<&'a str>,
    /// What the file's generation metadata credits: (kind, lower-case hex prefix).
    pub credits: &'a [(String, String)],
}

/// A registered listing an image credits ("made with"), or an image that
/// credits a listing ("used in").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditRow {
    /// What the image named it as: lora, checkpoint, workflow, …
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub listing_kind: String,
    pub creator: String,
}

/// A work crediting one of a creator's listings (see `Store::creator_credited`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditedRow {
    /// The creator's credited LoRA or workflow.
    pub yours_title: String,
    pub yours_slug: String,
    /// The published work that credits it.
    pub credit: CreditRow,
}

/// An upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRow {
    pub id: String,
    pub account_id: i64,
    pub listing_id: i64,
    pub size: i64,
    pub sha256: [u8; 32],
    pub received: i64,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// The published LoRAs and workflows whose files the images of `listing_id` credit.
    pub async fn made_with(&self, listing_id: i64) -> Result<Vec<CreditRow>, StoreError> {
        dispatch!(self, made_with(listing_id))
    }

    /// Every published work crediting one of `creator_id`'s LoRAs or
    /// workflows, in one query: by their listing (newest first), then by title.
    pub async fn creator_credited(&self, creator_id: i64) -> Result<Vec<CreditedRow>, StoreError> {
        dispatch!(self, creator_credited(creator_id))
    }

    /// The published listings whose images credit a file of `listing_id`.
    pub async fn used_in(&self, listing_id: i64) -> Result<Vec<CreditRow>, StoreError> {
        dispatch!(self, used_in(listing_id))
    }

    /// Creates a draft listing; `Conflict` when the slug is taken.
    pub async fn create_draft(&self, d: &ListingDraft<'_>) -> Result<i64, StoreError> {
        dispatch!(self, create_draft(d))
    }

    /// A creator's listings (every status), newest first.
    pub async fn creator_listings(&self, creator_id: i64) -> Result<Vec<ListingRecord>, StoreError> {
        dispatch!(self, creator_listings(creator_id))
    }

    /// One listing by id, whoever owns it (callers check ownership).
    pub async fn listing(&self, id: i64) -> Result<Option<ListingRecord>, StoreError> {
        dispatch!(self, listing(id))
    }

    /// Moves a listing between draft, published and archived. Publishing
    /// needs at least one file and stamps `published_at` the first time.
    /// Only published listings can be archived (or returned to draft: never).
    /// Returns false when the listing is not the creator's, has no file, or the move is not allowed.
    pub async fn set_listing_status(
        &self,
        id: i64,
        creator_id: i64,
        status: ListingStatus,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, set_listing_status(id, creator_id, status, now))
    }

    /// Records an upload about to start.
    pub async fn create_upload(&self, u: &UploadRow, now: DateTime<Utc>) -> Result<(), StoreError> {
        dispatch!(self, create_upload(u, now))
    }

    pub async fn upload(&self, id: &str) -> Result<Option<UploadRow>, StoreError> {
        dispatch!(self, upload(id))
    }

    /// Moves `received` from `from` to `to`; false if another request moved it first.
    pub async fn advance_upload(&self, id: &str, from: i64, to: i64) -> Result<bool, StoreError> {
        dispatch!(self, advance_upload(id, from, to))
    }

    pub async fn delete_upload(&self, id: &str) -> Result<(), StoreError> {
        dispatch!(self, delete_upload(id))
    }

    /// Uploads that expired before `now`.
    pub async fn expired_uploads(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        dispatch!(self, expired_uploads(now))
    }

    /// In ONE transaction: appends the `ContentRegistered` entry, stores the
    /// file as the listing's next version, queues its preview job and ends
    /// its upload. Returns (log index, version).
    pub async fn register_file(&self, f: &NewFile<'_>, entry: &NewLogEntry<'_>) -> Result<(u64, i64), StoreError> {
        dispatch!(self, register_file(f, entry))
    }

    /// Every file version of a creator's listings (by listing, newest first), in one query.
    pub async fn creator_files(&self, creator_id: i64) -> Result<Vec<FileRow>, StoreError> {
        dispatch!(self, creator_files(creator_id))
    }

    /// A listing's file versions, newest first.
    pub async fn listing_files(&self, listing_id: i64) -> Result<Vec<FileRow>, StoreError> {
        dispatch!(self, listing_files(listing_id))
    }

    /// Registered files with this SHA-256.
    pub async fn files_by_hash(&self, sha256: &[u8; 32]) -> Result<Vec<FileRow>, StoreError> {
        dispatch!(self, files_by_hash(sha256))
    }
}

macro_rules! listing_record {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(crate::ListingRecord {
            id: r.id,
            creator_id: r.creator_id,
            slug: r.slug,
            kind: crate::listings::kind(&r.kind)?,
            title: r.title,
            description: r.description,
            status: crate::listings::status(&r.status)?,
            price_minor: r.price_minor,
            currency: r.currency,
            edition_size: r.edition_size,
            sold: r.sold,
            tags: r.tags,
            license_json: r.license_json,
            license_hash: r.license_hash.as_deref().map(|h| crate::log::to_array(h, "licence hash")).transpose()?,
            files: r.files,
            royalty_bps: r.royalty_bps,
        })
    }};
}
pub(crate) use listing_record;

macro_rules! file_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(crate::FileRow {
            id: r.id,
            listing_id: r.listing_id,
            version: r.version,
            sha256: crate::log::to_array(&r.sha256, "file hash")?,
            size: r.size,
            file_type: r.file_type,
            storage_key: r.storage_key,
            alt_hash: r.alt_hash.as_deref().map(|h| crate::log::to_array(h, "alt hash")).transpose()?,
            details: r.details,
            log_leaf: crate::log::to_u64(r.log_leaf, "leaf")?,
            created_at: r.created_at,
        })
    }};
}
pub(crate) use file_row;
