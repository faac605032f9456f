//! Signed, validated, resumable uploads.
//!
//! 1. `POST /api/v1/uploads {listing_id, size, sha256}`: the browser (or CLI)
//!    has hashed the file; the server checks ownership, the kind's size limit
//!    and that the creator has an active key, and opens an upload (its id is
//!    the file id the statement will name).
//! 2. `PUT /api/v1/uploads/{id}` with `Upload-Offset: N`: the next chunk,
//!    streamed to a staging file. `GET` tells the offset to resume from.
//! 3. `POST /api/v1/uploads/{id}/complete {statement_hex, signature_hex}`:
//!    the `ContentRegistered` statement signed by the creator's active key.
//!    The server streams the staged bytes into the object store while
//!    re-hashing them, checks the type by content, parses and validates the
//!    file (image limits, workflow, LoRA header), checks every statement field
//!    against what it computed, and then in ONE transaction appends the log
//!    entry, stores the file version and queues its preview job. Any failure
//!    deletes what was staged or stored; nothing half-written remains.

use std::{path::PathBuf, sync::Arc};

use bytes::Bytes;
use chrono::{Duration, Utc};
use colophon_formats::{
    FileType,
    image::ImageLimits,
    lora::{self, LoraHasher},
    workflow::{self, Workflow},
};
use colophon_provenance::{ContentHash, PublicKey, SignedStatement, Statement};
use colophon_store::{AccountRow, KeyState, ListingKind, ListingStatus, NewFile, NewLogEntry, Store, UploadRow};
use futures::StreamExt as _;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart, path::Path as ObjectPath};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use crate::{config::ObjectStoreConfig, error::HttpError};
pub use colophon_api::{CompleteUpload, RegisteredFile, Similar, StartUpload, Upload};

mod complete;
mod inspect;
mod objects;

use inspect::Inspected;
use objects::{StoredObject, describe, open_local, open_s3, probe};

/// Per-kind size limits (bytes).
#[derive(Clone, Copy, Debug)]
pub struct UploadLimits {
    /// `COLOPHON_MAX_IMAGE_BYTES` (default 64 MiB).
    pub image: u64,
    /// `COLOPHON_MAX_WORKFLOW_BYTES` (default 16 MiB).
    pub workflow: u64,
    /// `COLOPHON_MAX_LORA_BYTES` (default 8 GiB).
    pub lora: u64,
    /// Largest single PUT chunk (64 MiB).
    pub chunk: u64,
    /// `COLOPHON_DECODE_MEMORY_MIB` (default 1024): bytes all image decodes
    /// together may hold at once (file bytes and pixel buffers); a decode
    /// waits for its share.
    pub decode_total: u64,
}

/// Bytes one image's decode may hold (file bytes and pixel buffers), whatever the budget.
pub const DECODE_PER_UPLOAD: u64 = 256 << 20;

impl Default for UploadLimits {
    fn default() -> Self {
        Self { image: 64 << 20, workflow: 16 << 20, lora: 8 << 30, chunk: 64 << 20, decode_total: 1 << 30 }
    }
}

impl UploadLimits {
    pub fn for_kind(&self, kind: ListingKind) -> u64 {
        match kind {
            ListingKind::Edition => self.image,
            ListingKind::Workflow => self.workflow,
            ListingKind::Lora => self.lora,
        }
    }
}

/// Uploads and the file store.
#[derive(Clone)]
pub struct Uploads {
    store: Store,
    objects: Arc<dyn ObjectStore>,
    staging: PathBuf,
    pub limits: UploadLimits,
    image_limits: ImageLimits,
    /// Uploads a `complete` is working on in this process. Their staged bytes
    /// live on this process' disk, so a second `complete` of one upload (a
    /// double click, a retry racing the first try) can only arrive here.
    completing: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Each image upload is decoded once: the status poll and `complete`
    /// share the result, and concurrent polls wait for the one decode.
    decodes: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::OnceCell<Decoded>>>>>,
    /// The decode memory budget, shared with the preview worker.
    decode_budget: crate::decode_budget::DecodeBudget,
}

/// What decoding an image told: its size and perceptual hash, or why it is refused.
type Decoded = Result<(u32, u32, colophon_previews::PHash), String>;

/// Holds an upload for one `complete`; dropping it lets the next one in.
struct Completing {
    set: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    id: String,
}

impl Drop for Completing {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.id);
    }
}

impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploads").field("staging", &self.staging).field("limits", &self.limits).finish()
    }
}

/// Hamming distance (of 64 bits) under which two images count as possible copies.
pub const SIMILAR_DISTANCE: u32 = 10;

/// A registered work that looks like another, as the API shows it.
pub fn similar_view(f: colophon_store::SimilarFile) -> Similar {
    Similar {
        sha256: ContentHash(f.sha256).to_hex(),
        perceptual_hash: colophon_previews::PHash::from_i64(f.phash).to_hex(),
        distance: f.distance,
        listing: f.listing_slug,
        title: f.listing_title,
        creator: f.creator_name,
        log_index: f.log_leaf,
    }
}

const STATEMENT_SKEW_MS: u64 = 24 * 3600 * 1000;
/// Bytes of a file's start that are checked as soon as they arrive.
const FIRST_BYTES: usize = colophon_formats::sniff::SNIFF_LEN;
const CHUNK: usize = 8 << 20;

fn bad(msg: impl Into<String>) -> HttpError {
    HttpError::BadRequest(msg.into())
}

fn internal(e: impl std::fmt::Display) -> HttpError {
    HttpError::Internal(anyhow::anyhow!("{e}"))
}

impl Uploads {
    /// Files in the configured object store (`DATA_DIR/files` by default;
    /// checked writable before the server takes requests), staging under
    /// `DATA_DIR/uploads`.
    pub async fn open(
        store: Store,
        data_dir: &std::path::Path,
        config: &ObjectStoreConfig,
        limits: UploadLimits,
    ) -> anyhow::Result<Self> {
        let objects = match config {
            ObjectStoreConfig::Local => open_local(data_dir)?,
            ObjectStoreConfig::S3 { bucket, prefix, options } => open_s3(bucket, prefix, options)?,
        };
        probe(objects.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("COLOPHON_OBJECT_STORE: {} {e}", describe(config)))?;
        // Staged chunks stay on this instance's disk until `complete` streams them to the store.
        let staging = data_dir.join("uploads");
        std::fs::create_dir_all(&staging)?;
        Ok(Self {
            store,
            objects,
            staging,
            limits,
            image_limits: ImageLimits { max_alloc: DECODE_PER_UPLOAD, ..ImageLimits::default() },
            completing: Arc::default(),
            decodes: Arc::default(),
            decode_budget: crate::decode_budget::DecodeBudget::new(limits.decode_total),
        })
    }

    /// Streams a stored file, or the byte range `range` of it.
    pub async fn read(
        &self,
        storage_key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<futures::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>, HttpError> {
        let options = object_store::GetOptions { range: range.map(Into::into), ..Default::default() };
        let got = self.objects.get_opts(&ObjectPath::from(storage_key), options).await.map_err(internal)?;
        Ok(got.into_stream())
    }

    pub fn image_limits(&self) -> ImageLimits {
        self.image_limits
    }

    /// The process' decode memory budget (the preview worker shares it).
    pub fn decode_budget(&self) -> crate::decode_budget::DecodeBudget {
        self.decode_budget.clone()
    }

    fn staging_path(&self, id: &str) -> PathBuf {
        self.staging.join(format!("{id}.part"))
    }

    /// The creator profile of `account`, or 403.
    fn creator(account: &AccountRow) -> Result<&colophon_store::CreatorRow, HttpError> {
        account.creator.as_ref().ok_or_else(|| HttpError::Forbidden("Become a creator in the Studio first.".into()))
    }

    async fn owned_listing(
        &self,
        account: &AccountRow,
        listing_id: i64,
    ) -> Result<colophon_store::ListingRecord, HttpError> {
        let creator = Self::creator(account)?;
        let listing = self.store.listing(listing_id).await?.ok_or(HttpError::NotFound)?;
        if listing.creator_id != creator.id {
            // Someone else's listing: indistinguishable from a missing one.
            return Err(HttpError::NotFound);
        }
        Ok(listing)
    }

    async fn owned_upload(&self, account: &AccountRow, id: &str) -> Result<UploadRow, HttpError> {
        let upload = self.store.upload(id).await?.ok_or(HttpError::NotFound)?;
        if upload.account_id != account.id {
            return Err(HttpError::NotFound);
        }
        if upload.expires_at < Utc::now() {
            self.discard(id).await;
            return Err(HttpError::NotFound);
        }
        Ok(upload)
    }

    pub async fn start(&self, account: &AccountRow, req: StartUpload) -> Result<Upload, HttpError> {
        let listing = self.owned_listing(account, req.listing_id).await?;
        if listing.status == ListingStatus::Archived {
            return Err(bad("This listing is archived; publish it again to add files."));
        }
        let creator = Self::creator(account)?;
        let keys = self.store.creator_keys(creator.id).await?;
        if !keys.iter().any(|k| k.status == KeyState::Active) {
            return Err(HttpError::Conflict("Generate a signing key in the Studio first.".into()));
        }
        let limit = self.limits.for_kind(listing.kind);
        if req.size == 0 {
            return Err(bad("The file is empty."));
        }
        if req.size > limit {
            let (size, max) = human_pair(req.size, limit);
            return Err(HttpError::TooLarge(format!(
                "The file is {size} but {} files are limited to {max}.",
                listing.kind.as_str()
            )));
        }
        let sha = ContentHash::parse(&req.sha256).map_err(|e| bad(format!("sha256: {e}")))?;
        let id = new_id("fil");
        let expires_at = Utc::now() + Duration::hours(24);
        let row = UploadRow {
            id: id.clone(),
            account_id: account.id,
            listing_id: listing.id,
            size: i64::try_from(req.size).map_err(|_| bad("size is too large"))?,
            sha256: sha.0,
            received: 0,
            expires_at,
        };
        self.store.create_upload(&row, Utc::now()).await?;
        tokio::fs::File::create(self.staging_path(&id)).await.map_err(internal)?;
        Ok(self.view(&row, &listing.slug))
    }

    fn view(&self, u: &UploadRow, listing_ref: &str) -> Upload {
        Upload {
            upload_id: u.id.clone(),
            file_id: u.id.clone(),
            listing_ref: listing_ref.to_owned(),
            size: u.size as u64,
            offset: u.received as u64,
            chunk_size: CHUNK as u64,
            expires_at: u.expires_at,
            perceptual_hash: None,
        }
    }

    pub async fn status(&self, account: &AccountRow, id: &str) -> Result<Upload, HttpError> {
        let u = self.owned_upload(account, id).await?;
        let listing = self.owned_listing(account, u.listing_id).await?;
        let mut view = self.view(&u, &listing.slug);
        if listing.kind == ListingKind::Edition && u.received == u.size {
            // An image that does not decode gets no hash here; `complete` says why it is refused.
            let path = self.staging_path(id);
            view.perceptual_hash = self
                .decoded(id, || async move { tokio::fs::read(path).await.map_err(|e| e.to_string()) })
                .await
                .ok()
                .map(|(_, _, p)| p.to_hex());
        }
        Ok(view)
    }

    /// Appends a chunk at `offset` (which must be where the upload stands).
    pub async fn put_chunk(
        &self,
        account: &AccountRow,
        id: &str,
        offset: u64,
        body: axum::body::Body,
    ) -> Result<Upload, HttpError> {
        let u = self.owned_upload(account, id).await?;
        let listing = self.owned_listing(account, u.listing_id).await?;
        let (size, received) = (u.size as u64, u.received as u64);
        if offset != received {
            return Err(HttpError::Conflict(format!("The upload is at byte {received}; resume from there.")));
        }
        let mut file = tokio::fs::OpenOptions::new().write(true).open(self.staging_path(id)).await.map_err(internal)?;
        // Anything past `received` is from an interrupted chunk: drop it.
        file.set_len(received).await.map_err(internal)?;
        file.seek(std::io::SeekFrom::Start(received)).await.map_err(internal)?;
        let mut stream = body.into_data_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| bad("The upload was interrupted; resume from the last offset."))?;
            written += chunk.len() as u64;
            if written > self.limits.chunk {
                file.set_len(received).await.map_err(internal)?;
                return Err(HttpError::TooLarge(format!("Chunks are limited to {}.", human(self.limits.chunk))));
            }
            if received + written > size {
                file.set_len(received).await.map_err(internal)?;
                return Err(HttpError::TooLarge(format!("More bytes than the declared size ({size}).")));
            }
            file.write_all(&chunk).await.map_err(internal)?;
        }
        file.sync_data().await.map_err(internal)?;
        let to = received + written;
        // What the first bytes already refuse is refused now, not after the
        // whole file has been sent, stored and hashed.
        if received < FIRST_BYTES as u64 && to > received {
            let mut head = vec![0u8; FIRST_BYTES.min(to as usize)];
            let mut f = tokio::fs::File::open(self.staging_path(id)).await.map_err(internal)?;
            f.read_exact(&mut head).await.map_err(internal)?;
            let accepts = colophon_catalog::registration::accepts(listing.kind);
            if let Err(e) = colophon_formats::sniff::admit_prefix(accepts, &head, size) {
                self.discard(id).await;
                let sentence = if e.0.ends_with('.') { e.0 } else { format!("{}.", capitalise(&e.0)) };
                return Err(bad(format!("{sentence} The upload was cancelled; nothing of it is kept.")));
            }
        }
        if !self.store.advance_upload(id, received as i64, to as i64).await? {
            return Err(HttpError::Conflict("Another request moved this upload; check its offset and resume.".into()));
        }
        Ok(self.view(&UploadRow { received: to as i64, ..u }, &listing.slug))
    }

    /// Cancels an upload.
    pub async fn cancel(&self, account: &AccountRow, id: &str) -> Result<(), HttpError> {
        self.owned_upload(account, id).await?;
        self.discard(id).await;
        Ok(())
    }

    async fn discard(&self, id: &str) {
        self.forget_decode(id);
        let _ = tokio::fs::remove_file(self.staging_path(id)).await;
        if let Err(e) = self.store.delete_upload(id).await {
            tracing::warn!(error = %e, upload = id, "could not delete upload row");
        }
    }

    /// Deletes uploads (and their staged bytes) that expired.
    pub async fn sweep_expired(&self) {
        match self.store.expired_uploads(Utc::now()).await {
            Ok(ids) => {
                for id in ids {
                    self.discard(&id).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not list expired uploads"),
        }
    }
}

/// `prefix_` + 24 random base32 characters (120 bits).
pub fn new_id(prefix: &str) -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    let s: String = (0..24).map(|_| ALPHABET[rng.random_range(0..32)] as char).collect();
    format!("{prefix}_{s}")
}

/// "safetensors header …" → "Safetensors header …", for a sentence.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Two sizes to compare in a message: shown as bytes when rounding would make
/// them read alike ("16.0 MiB but … limited to 16.0 MiB" hides the excess).
pub fn human_pair(a: u64, b: u64) -> (String, String) {
    let (ha, hb) = (human(a), human(b));
    if a != b && ha == hb { (format!("{a} bytes"), format!("{b} bytes")) } else { (ha, hb) }
}

/// 1536 → "1.5 KiB".
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{v:.1} {}", UNITS[unit]) }
}
