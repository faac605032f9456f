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
    sniff::Accepts,
    workflow::{self, Workflow},
};
use colophon_provenance::{ContentHash, ContentKind, PublicKey, SignedStatement, Statement};
use colophon_store::{AccountRow, KeyState, ListingKind, ListingStatus, NewFile, NewLogEntry, Store, UploadRow};
use futures::StreamExt as _;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart, path::Path as ObjectPath};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use crate::{config::ObjectStoreConfig, error::AppError};
pub use colophon_api::{CompleteUpload, RegisteredFile, Similar, StartUpload, Upload};

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

fn bad(msg: impl Into<String>) -> AppError {
    AppError::BadRequest(msg.into())
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
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
    ) -> Result<futures::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>, AppError> {
        let options = object_store::GetOptions { range: range.map(Into::into), ..Default::default() };
        let got = self.objects.get_opts(&ObjectPath::from(storage_key), options).await.map_err(internal)?;
        Ok(got.into_stream())
    }

    /// The object store originals and previews live in.
    pub fn objects(&self) -> Arc<dyn ObjectStore> {
        self.objects.clone()
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
    fn creator(account: &AccountRow) -> Result<&colophon_store::CreatorRow, AppError> {
        account.creator.as_ref().ok_or_else(|| AppError::Forbidden("Become a creator in the Studio first.".into()))
    }

    async fn owned_listing(
        &self,
        account: &AccountRow,
        listing_id: i64,
    ) -> Result<colophon_store::OwnedListing, AppError> {
        let creator = Self::creator(account)?;
        let listing = self.store.owned_listing(listing_id).await?.ok_or(AppError::NotFound)?;
        if listing.creator_id != creator.id {
            // Someone else's listing: indistinguishable from a missing one.
            return Err(AppError::NotFound);
        }
        Ok(listing)
    }

    async fn owned_upload(&self, account: &AccountRow, id: &str) -> Result<UploadRow, AppError> {
        let upload = self.store.upload(id).await?.ok_or(AppError::NotFound)?;
        if upload.account_id != account.id {
            return Err(AppError::NotFound);
        }
        if upload.expires_at < Utc::now() {
            self.discard(id).await;
            return Err(AppError::NotFound);
        }
        Ok(upload)
    }

    pub async fn start(&self, account: &AccountRow, req: StartUpload) -> Result<Upload, AppError> {
        let listing = self.owned_listing(account, req.listing_id).await?;
        if listing.status == ListingStatus::Archived {
            return Err(bad("This listing is archived; publish it again to add files."));
        }
        let creator = Self::creator(account)?;
        let keys = self.store.creator_keys(creator.id).await?;
        if !keys.iter().any(|k| k.status == KeyState::Active) {
            return Err(AppError::Conflict("Generate a signing key in the Studio first.".into()));
        }
        let limit = self.limits.for_kind(listing.kind);
        if req.size == 0 {
            return Err(bad("The file is empty."));
        }
        if req.size > limit {
            let (size, max) = human_pair(req.size, limit);
            return Err(AppError::TooLarge(format!(
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

    pub async fn status(&self, account: &AccountRow, id: &str) -> Result<Upload, AppError> {
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
    ) -> Result<Upload, AppError> {
        let u = self.owned_upload(account, id).await?;
        let listing = self.owned_listing(account, u.listing_id).await?;
        let (size, received) = (u.size as u64, u.received as u64);
        if offset != received {
            return Err(AppError::Conflict(format!("The upload is at byte {received}; resume from there.")));
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
                return Err(AppError::TooLarge(format!("Chunks are limited to {}.", human(self.limits.chunk))));
            }
            if received + written > size {
                file.set_len(received).await.map_err(internal)?;
                return Err(AppError::TooLarge(format!("More bytes than the declared size ({size}).")));
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
            let accepts = match listing.kind {
                ListingKind::Edition => Accepts::Image,
                ListingKind::Workflow => Accepts::Workflow,
                ListingKind::Lora => Accepts::Lora,
            };
            if let Err(e) = colophon_formats::sniff::admit_prefix(accepts, &head, size) {
                self.discard(id).await;
                let sentence = if e.0.ends_with('.') { e.0 } else { format!("{}.", capitalise(&e.0)) };
                return Err(bad(format!("{sentence} The upload was cancelled; nothing of it is kept.")));
            }
        }
        if !self.store.advance_upload(id, received as i64, to as i64).await? {
            return Err(AppError::Conflict("Another request moved this upload; check its offset and resume.".into()));
        }
        Ok(self.view(&UploadRow { received: to as i64, ..u }, &listing.slug))
    }

    /// Stores a small derived file (an avatar) at `key` in the object store.
    pub async fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        self.objects.put(&ObjectPath::from(key), bytes.into()).await.map(|_| ()).map_err(internal)
    }

    /// Reads a small file from the object store whole.
    pub async fn get_object(&self, key: &str) -> Result<Bytes, AppError> {
        let got = self.objects.get(&ObjectPath::from(key)).await.map_err(internal)?;
        got.bytes().await.map_err(internal)
    }

    /// Deletes an object; a failure is logged (an unreferenced object harms nobody).
    pub async fn delete_object(&self, key: &str) {
        if let Err(e) = self.objects.delete(&ObjectPath::from(key)).await {
            tracing::warn!(error = %e, key, "could not delete an object");
        }
    }

    /// Cancels an upload.
    pub async fn cancel(&self, account: &AccountRow, id: &str) -> Result<(), AppError> {
        self.owned_upload(account, id).await?;
        self.discard(id).await;
        Ok(())
    }

    /// Decodes upload `id`'s image once (bytes from `read`), within the
    /// memory budget: the cost is read from the header first, refused past
    /// [`DECODE_PER_UPLOAD`], and waits for its share of the total before a
    /// pixel is allocated. Concurrent callers share the one decode; the
    /// answer is kept until the upload completes or is discarded.
    async fn decoded<F, Fut>(&self, id: &str, read: F) -> Decoded
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
    {
        let cell = self
            .decodes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(id.to_owned())
            .or_default()
            .clone();
        let (limits, budget) = (self.image_limits, self.decode_budget.clone());
        cell.get_or_init(|| async move {
            let bytes = read().await?;
            let (_, pixels) = colophon_formats::image::decode_cost(&bytes, &limits).map_err(|e| e.0)?;
            let cost = pixels.saturating_add(bytes.len() as u64);
            if cost > DECODE_PER_UPLOAD {
                let (need, max) = human_pair(cost, DECODE_PER_UPLOAD);
                return Err(format!(
                    "Decoding this image needs {need} of memory; the limit is {max} per image. \
                     Use fewer pixels or 8 bits per channel."
                ));
            }
            let permit = budget.reserve(cost).await;
            // The blocking decode runs to its end even if the request is gone; its
            // answer is kept for the next poll, and the permit is held until then.
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                colophon_previews::decode(&bytes, &limits)
                    .map(|(rgba, w, h)| (w, h, colophon_previews::phash::phash_rgba(&rgba, w, h)))
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
        })
        .await
        .clone()
    }

    fn forget_decode(&self, id: &str) {
        self.decodes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
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

    /// Verifies, stores and registers the upload. Any failure discards it.
    pub async fn complete(
        &self,
        account: &AccountRow,
        id: &str,
        req: CompleteUpload,
    ) -> Result<RegisteredFile, AppError> {
        let _completing = self.claim(id)?;
        let u = self.owned_upload(account, id).await?;
        if u.received != u.size {
            return Err(AppError::Conflict(format!(
                "Only {} of {} bytes have arrived; resume the upload.",
                u.received, u.size
            )));
        }
        let listing = self.owned_listing(account, u.listing_id).await?;
        let creator = Self::creator(account)?.clone();
        // Check the signature before touching the bytes: a bad one is the
        // client's mistake to fix, and the staged upload stays resumable.
        let signed = self.check_signature(&creator, &req).await?;
        let result = self.store_and_register(&u, &listing, &signed).await;
        if let Err(e) = &result
            && !matches!(e, AppError::Unavailable { .. } | AppError::Internal(_))
        {
            // The file itself was refused: nothing of it is kept.
            self.discard(id).await;
        } else if result.is_ok() {
            self.forget_decode(id);
            let _ = tokio::fs::remove_file(self.staging_path(id)).await;
        }
        result
    }

    fn claim(&self, id: &str) -> Result<Completing, AppError> {
        let mut set = self.completing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !set.insert(id.to_owned()) {
            return Err(AppError::Conflict(
                "This upload is already being completed by another request; ask for its status in a moment.".into(),
            ));
        }
        Ok(Completing { set: self.completing.clone(), id: id.to_owned() })
    }

    async fn check_signature(
        &self,
        creator: &colophon_store::CreatorRow,
        req: &CompleteUpload,
    ) -> Result<SignedStatement, AppError> {
        if req.statement_hex.len() > 64 * 1024 {
            return Err(bad("The statement is too long."));
        }
        let bytes = hex::decode(req.statement_hex.trim()).map_err(|_| bad("statement_hex must be hex."))?;
        let signature: [u8; 64] = hex::decode(req.signature_hex.trim())
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("signature_hex must be 128 hex digits."))?;
        let keys = self.store.creator_keys(creator.id).await?;
        let active = keys
            .iter()
            .find(|k| k.status == KeyState::Active)
            .ok_or_else(|| AppError::Conflict("You have no active signing key.".into()))?;
        let pk = PublicKey::from_bytes(&active.public_key).map_err(internal)?;
        SignedStatement::verify(&bytes, pk, signature).map_err(|e| match e {
            // The statement itself is malformed (not UTF-8 text, an unknown tag …): the signature is not the problem.
            colophon_provenance::statement::SignedStatementError::Statement(e) => {
                bad(format!("The statement cannot be read: {e}. See docs/FORMATS.md for its encoding."))
            }
            e => {
                bad(format!("The signature does not verify with your active key ({}): {e}.", pk.key_id().fingerprint()))
            }
        })
    }

    async fn store_and_register(
        &self,
        u: &UploadRow,
        listing: &colophon_store::OwnedListing,
        signed: &SignedStatement,
    ) -> Result<RegisteredFile, AppError> {
        // One pass over the staged bytes: into the object store, through the hashers.
        let key = ObjectPath::from(format!("{}/{}", listing.id, u.id));
        let keep_all = listing.kind != ListingKind::Lora;
        // If this future is dropped (the request timed out or its client left)
        // or a panic unwinds through it, the guard removes what was stored,
        // unless the file got registered after all.
        let mut guard = StoredObject {
            uploads: self.clone(),
            key: key.clone(),
            file_id: u.id.clone(),
            sha256: u.sha256,
            armed: true,
        };
        let (hashes, head) = self.copy_to_store(u, &key, keep_all).await?;
        let outcome = async {
            if hashes.file.0 != u.sha256 {
                return Err(bad(format!(
                    "The file's SHA-256 is {} but the upload declared {}: the file changed or was damaged in transit.",
                    hashes.file,
                    ContentHash(u.sha256)
                )));
            }
            let inspected = self.inspect(&u.id, listing.kind, head, u.size as u64).await?;
            self.check_statement(signed, u, listing, &inspected)?;
            let details = serde_json::to_string(&inspected.details).map_err(internal)?;
            let alt_hash = match listing.kind {
                ListingKind::Lora => hashes.tensor_data.map(|h| h.0),
                ListingKind::Workflow => inspected.alt_hash.map(|h| h.0),
                ListingKind::Edition => None,
            };
            let now = Utc::now();
            let entry = NewLogEntry::from_signed(signed, now);
            let new = NewFile {
                id: &u.id,
                listing_id: listing.id,
                sha256: u.sha256,
                size: u.size,
                file_type: inspected.file_type.extension(),
                storage_key: key.as_ref(),
                alt_hash,
                details: &details,
                preview: listing.kind == ListingKind::Edition,
                phash: inspected.phash,
                upload_id: Some(&u.id),
                credits: &inspected.credits,
            };
            let similar = match inspected.phash {
                Some(p) => self.store.similar_files(p, SIMILAR_DISTANCE, 20).await?,
                None => vec![],
            };
            let (leaf_index, version) = self.store.register_file(&new, &entry).await.map_err(|e| match e {
                // The file id is the upload id: a second `complete` of the same upload lost the race.
                colophon_store::StoreError::Conflict { .. } => {
                    AppError::Conflict("This upload has already been completed.".into())
                }
                e => e.into(),
            })?;
            tracing::info!(file_id = %u.id, listing = listing.id, leaf_index, version, "file registered");
            Ok(RegisteredFile {
                file_id: u.id.clone(),
                version,
                leaf_index,
                sha256: ContentHash(u.sha256).to_hex(),
                size: u.size as u64,
                file_type: inspected.file_type.as_str().to_owned(),
                alt_hash: alt_hash.map(hex::encode),
                details: inspected.details,
                signer_fingerprint: signed.public_key.key_id().fingerprint(),
                perceptual_hash: inspected.phash.map(|p| colophon_previews::PHash::from_i64(p).to_hex()),
                similar: similar.into_iter().map(similar_view).collect(),
            })
        }
        .await;
        // Two `complete`s of one upload write the same key with the same bytes;
        // the one that lost must not delete what the winner registered. When
        // in doubt (the database does not answer), keep the object: an
        // unreferenced one harms nobody, a missing registered one does.
        if outcome.is_err()
            && !self.is_registered(&u.id, &u.sha256).await.unwrap_or(true)
            && let Err(e) = self.objects.delete(&key).await
        {
            tracing::warn!(error = %e, key = %key, "could not delete a refused file from the object store");
        }
        guard.armed = false;
        outcome
    }

    /// Deletes stored originals that no file row names: left by a process
    /// killed between storing and registering. Only keys of the shape this
    /// module writes (`{listing id}/{upload id}`) older than `min_age` (the
    /// server passes an hour: no `complete` runs that long) whose upload is
    /// gone are considered.
    pub async fn sweep_orphans(&self, min_age: Duration) {
        let cutoff = Utc::now() - min_age;
        // Streamed, not collected: the store also holds every preview.
        let mut objects = self.objects.list(None);
        while let Some(item) = objects.next().await {
            let meta = match item {
                Ok(meta) if meta.last_modified < cutoff => meta,
                Ok(_) => continue,
                Err(e) => return tracing::warn!(error = %e, "could not list the object store"),
            };
            let Some((listing, file_id)) = meta.location.as_ref().split_once('/') else { continue };
            let (Ok(listing_id), true) =
                (listing.parse::<i64>(), file_id.starts_with("fil_") && !file_id.contains('/'))
            else {
                continue;
            };
            let named = match self.store.listing_files(listing_id).await {
                Ok(files) => files.iter().any(|f| f.storage_key == meta.location.as_ref()),
                Err(_) => true,
            };
            let uploading = self.store.upload(file_id).await.map_or(true, |u| u.is_some());
            if !named && !uploading {
                tracing::info!(key = %meta.location, "deleting a stored file no row names");
                self.delete_object(meta.location.as_ref()).await;
            }
        }
    }

    /// Whether a file version with this id (= upload id) is registered.
    async fn is_registered(&self, file_id: &str, sha256: &[u8; 32]) -> Result<bool, AppError> {
        Ok(self.store.files_by_hash(sha256).await?.iter().any(|f| f.id == file_id))
    }

    /// Streams the staged file into the object store; returns both hashes and
    /// the bytes validation needs (the whole file, or a LoRA's header). A
    /// failure part-way aborts the multipart upload, so no parts are left behind.
    async fn copy_to_store(
        &self,
        u: &UploadRow,
        key: &ObjectPath,
        keep_all: bool,
    ) -> Result<(lora::LoraHashes, Vec<u8>), AppError> {
        let upload = self.objects.put_multipart(key).await.map_err(internal)?;
        let mut writer = WriteMultipart::new(upload);
        match self.stream_staged(u, &mut writer, keep_all).await {
            Ok(done) => {
                writer.finish().await.map_err(internal)?;
                Ok(done)
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, key = %key, "could not abort a multipart upload");
                }
                Err(e)
            }
        }
    }

    async fn stream_staged(
        &self,
        u: &UploadRow,
        writer: &mut WriteMultipart,
        keep_all: bool,
    ) -> Result<(lora::LoraHashes, Vec<u8>), AppError> {
        let mut file = tokio::fs::File::open(self.staging_path(&u.id)).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                // Staged on another instance, or lost with its disk: the upload must start again.
                AppError::Conflict("This upload's bytes are no longer on the server; start the upload again.".into())
            } else {
                internal(e)
            }
        })?;
        let mut hasher = LoraHasher::new();
        let head_limit = if keep_all { usize::MAX } else { (8 + lora::DEFAULT_MAX_HEADER) as usize };
        // The size is known: one allocation, not a doubling series (a 60 MiB
        // image grew a 64 MiB vector through three copies).
        let mut head = Vec::with_capacity(usize::try_from(u.size).unwrap_or(0).min(head_limit));
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf).await.map_err(internal)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            if head.len() < head_limit {
                head.extend_from_slice(&chunk[..n.min(head_limit - head.len())]);
            }
            writer.wait_for_capacity(4).await.map_err(internal)?;
            writer.put(Bytes::copy_from_slice(chunk));
        }
        Ok((hasher.finalize(), head))
    }

    /// Type by content, then the kind's parser and limits.
    async fn inspect(&self, id: &str, kind: ListingKind, head: Vec<u8>, size: u64) -> Result<Inspected, AppError> {
        let head_ref: &[u8] = &head;
        let sniffed = colophon_formats::sniff(head_ref);
        let expected = match kind {
            ListingKind::Edition => "a PNG, JPEG or WebP image",
            ListingKind::Workflow => "a ComfyUI workflow (JSON)",
            ListingKind::Lora => "a LoRA in the safetensors format",
        };
        let wrong_type = || {
            bad(format!(
                "This listing takes {expected}, but the file is {}.",
                sniffed.map_or("of an unsupported type".to_owned(), |t| format!("a {} file", t.extension()))
            ))
        };
        match kind {
            ListingKind::Edition => {
                let t = sniffed.filter(|t| t.is_image()).ok_or_else(wrong_type)?;
                // What made it (PNG text chunks, JPEG/WebP EXIF) is read first, bounded, and never fails the upload.
                let (generation, head) = tokio::task::spawn_blocking(move || {
                    let generation = colophon_formats::generation::from_image(&head);
                    (generation, head)
                })
                .await
                .map_err(internal)?;
                // Decoding proves the image whole; the perceptual hash comes from the same pixels.
                // A status poll may have decoded it already: then that answer is used.
                let (width, height, phash) = self.decoded(id, || async move { Ok(head) }).await.map_err(bad)?;
                let credits = generation.as_ref().map(|g| g.credited_hashes()).unwrap_or_default();
                let mut details =
                    serde_json::json!({"width": width, "height": height, "perceptual_hash": phash.to_hex()});
                if let Some(g) = generation {
                    details["generation"] = serde_json::to_value(g).map_err(internal)?;
                }
                Ok(Inspected {
                    file_type: t,
                    details,
                    alt_hash: None,
                    parents: vec![],
                    phash: Some(phash.as_i64()),
                    credits,
                })
            }
            ListingKind::Workflow => {
                let t = sniffed.filter(|t| *t == FileType::Json).ok_or_else(wrong_type)?;
                let w = Workflow::parse(head_ref).map_err(|e| bad(e.0))?;
                let parents = w.pinned_hashes();
                let details = serde_json::json!({
                    "format": w.format,
                    "node_count": w.nodes.len(),
                    "link_count": w.link_count,
                    "node_types": workflow::node_type_counts(&w),
                    "models": w.models,
                    "canonical_hash": w.canonical_hash,
                });
                Ok(Inspected {
                    file_type: t,
                    details,
                    alt_hash: Some(w.canonical_hash),
                    parents,
                    phash: None,
                    credits: vec![],
                })
            }
            ListingKind::Lora => {
                let t = sniffed.filter(|t| *t == FileType::Safetensors).ok_or_else(wrong_type)?;
                let h = lora::parse_header(head_ref, size, lora::DEFAULT_MAX_HEADER).map_err(|e| bad(e.0))?;
                let parents = h.info.base_model_hash.into_iter().collect();
                let details = serde_json::to_value(&h.info).map_err(internal)?;
                Ok(Inspected { file_type: t, details, alt_hash: None, parents, phash: None, credits: vec![] })
            }
        }
    }

    /// Every field of the signed statement must match what the server knows.
    fn check_statement(
        &self,
        signed: &SignedStatement,
        u: &UploadRow,
        listing: &colophon_store::OwnedListing,
        inspected: &Inspected,
    ) -> Result<(), AppError> {
        let Statement::ContentRegistered {
            content_hash,
            content_kind,
            size,
            creator_key,
            listing_id,
            file_id,
            parents,
            license_terms,
            perceptual_hash,
            time_ms,
        } = &signed.statement
        else {
            return Err(bad("Files are registered with a ContentRegistered statement."));
        };
        let expected_kind = match listing.kind {
            ListingKind::Edition => ContentKind::EditionImage,
            ListingKind::Workflow => ContentKind::Workflow,
            ListingKind::Lora => ContentKind::Lora,
        };
        let mismatch = |field: &str| bad(format!("The statement's {field} does not match this upload."));
        if content_hash.0 != u.sha256 {
            return Err(mismatch("content_hash"));
        }
        if *content_kind != expected_kind {
            return Err(mismatch("content_kind"));
        }
        if *size != u.size as u64 {
            return Err(mismatch("size"));
        }
        if *creator_key != signed.public_key.key_id() {
            return Err(mismatch("creator_key"));
        }
        if *listing_id != listing.slug {
            return Err(mismatch("listing_id"));
        }
        if *file_id != u.id {
            return Err(mismatch("file_id"));
        }
        if license_terms.map(|h| h.0) != listing.license_hash {
            return Err(mismatch("license_terms"));
        }
        if let Some(p) = parents.iter().find(|p| !inspected.parents.contains(p)) {
            return Err(bad(format!("The statement names parent {p}, which the file does not reference.")));
        }
        // Optional in the statement; when present it must be the hash Colophon computes (docs/FORMATS.md §12).
        if let Some(p) = perceptual_hash {
            let ours = inspected.phash.map(|v| v.to_be_bytes().to_vec());
            if ours.as_deref() != Some(p.as_slice()) {
                return Err(bad(match inspected.phash {
                    Some(v) => format!(
                        "The statement's perceptual_hash is {} but this image's is {}.",
                        hex::encode(p),
                        colophon_previews::PHash::from_i64(v)
                    ),
                    None => "Only images have a perceptual_hash.".to_owned(),
                }));
            }
        }
        let now = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
        if time_ms.abs_diff(now) > STATEMENT_SKEW_MS {
            return Err(bad("The statement's time is more than a day off. Check your clock."));
        }
        Ok(())
    }
}

/// An original in the object store that is deleted on drop unless disarmed
/// (see `store_and_register`).
struct StoredObject {
    uploads: Uploads,
    key: ObjectPath,
    file_id: String,
    sha256: [u8; 32],
    armed: bool,
}

impl Drop for StoredObject {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (uploads, key, file_id, sha) = (self.uploads.clone(), self.key.clone(), self.file_id.clone(), self.sha256);
        uploads.forget_decode(&file_id);
        runtime.spawn(async move {
            if !uploads.is_registered(&file_id, &sha).await.unwrap_or(true) {
                tracing::info!(key = %key, "a complete was cut short: deleting what it stored");
                uploads.delete_object(key.as_ref()).await;
            }
        });
    }
}

struct Inspected {
    file_type: FileType,
    details: serde_json::Value,
    alt_hash: Option<ContentHash>,
    parents: Vec<ContentHash>,
    phash: Option<i64>,
    /// What an image's generation metadata credits (kind, hex prefix).
    credits: Vec<(String, String)>,
}

fn open_local(data_dir: &std::path::Path) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let files = data_dir.join("files");
    std::fs::create_dir_all(&files)?;
    Ok(Arc::new(object_store::local::LocalFileSystem::new_with_prefix(&files)?))
}

fn open_s3(
    bucket: &str,
    prefix: &str,
    options: &[(&'static str, secrecy::SecretString)],
) -> anyhow::Result<Arc<dyn ObjectStore>> {
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
    use secrecy::ExposeSecret as _;
    colophon_ledger::install_tls();
    let mut builder = AmazonS3Builder::new().with_bucket_name(bucket);
    for (name, value) in options {
        let key: AmazonS3ConfigKey =
            name.to_ascii_lowercase().parse().map_err(|_| anyhow::anyhow!("{name} is not an S3 setting"))?;
        builder = builder.with_config(key, value.expose_secret());
    }
    // The builder's message names the setting at fault, never a credential's value.
    let s3 = builder.build().map_err(|e| anyhow::anyhow!("COLOPHON_OBJECT_STORE: s3://{bucket}: {e}"))?;
    Ok(if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.to_owned()))
    })
}

fn describe(config: &ObjectStoreConfig) -> String {
    match config {
        ObjectStoreConfig::Local => "the local file store".to_owned(),
        ObjectStoreConfig::S3 { bucket, prefix, .. } if prefix.is_empty() => format!("s3://{bucket}"),
        ObjectStoreConfig::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}"),
    }
}

/// Writes and deletes a small object: the server needs both, and finding out
/// at start beats refusing the first upload (wrong credentials, no bucket,
/// a read-only policy).
async fn probe(objects: &dyn ObjectStore) -> Result<(), String> {
    let key = ObjectPath::from(format!(".colophon/probe-{}", new_id("prb")));
    objects.put(&key, Bytes::from_static(b"colophon").into()).await.map_err(|e| format!("cannot be written: {e}"))?;
    objects.delete(&key).await.map_err(|e| format!("cannot be deleted from: {e}"))
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
