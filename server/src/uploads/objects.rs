//! Where bytes live: opening the object store (local or S3, probed at
//! start), streaming a staged upload into it, and removing what must not stay.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Uploads {
    /// The object store originals and previews live in.
    pub fn objects(&self) -> Arc<dyn ObjectStore> {
        self.objects.clone()
    }

    /// Stores a small derived file (an avatar) at `key` in the object store.
    pub async fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), HttpError> {
        self.objects.put(&ObjectPath::from(key), bytes.into()).await.map(|_| ()).map_err(internal)
    }

    /// Reads a small file from the object store whole.
    pub async fn get_object(&self, key: &str) -> Result<Bytes, HttpError> {
        let got = self.objects.get(&ObjectPath::from(key)).await.map_err(internal)?;
        got.bytes().await.map_err(internal)
    }

    /// Deletes an object; a failure is logged (an unreferenced object harms nobody).
    pub async fn delete_object(&self, key: &str) {
        if let Err(e) = self.objects.delete(&ObjectPath::from(key)).await {
            tracing::warn!(error = %e, key, "could not delete an object");
        }
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
    pub(super) async fn is_registered(&self, file_id: &str, sha256: &[u8; 32]) -> Result<bool, HttpError> {
        Ok(self.store.files_by_hash(sha256).await?.iter().any(|f| f.id == file_id))
    }

    /// Streams the staged file into the object store; returns both hashes and
    /// the bytes validation needs (the whole file, or a LoRA's header). A
    /// failure part-way aborts the multipart upload, so no parts are left behind.
    pub(super) async fn copy_to_store(
        &self,
        u: &UploadRow,
        key: &ObjectPath,
        keep_all: bool,
    ) -> Result<(lora::LoraHashes, Vec<u8>), HttpError> {
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

    pub(super) async fn stream_staged(
        &self,
        u: &UploadRow,
        writer: &mut WriteMultipart,
        keep_all: bool,
    ) -> Result<(lora::LoraHashes, Vec<u8>), HttpError> {
        let mut file = tokio::fs::File::open(self.staging_path(&u.id)).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                // Staged on another instance, or lost with its disk: the upload must start again.
                HttpError::Conflict("This upload's bytes are no longer on the server; start the upload again.".into())
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
}

/// An original in the object store that is deleted on drop unless disarmed
/// (see `store_and_register`).
pub(super) struct StoredObject {
    pub(super) uploads: Uploads,
    pub(super) key: ObjectPath,
    pub(super) file_id: String,
    pub(super) sha256: [u8; 32],
    pub(super) armed: bool,
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

pub(super) fn open_local(data_dir: &std::path::Path) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let files = data_dir.join("files");
    std::fs::create_dir_all(&files)?;
    Ok(Arc::new(object_store::local::LocalFileSystem::new_with_prefix(&files)?))
}

pub(super) fn open_s3(
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

pub(super) fn describe(config: &ObjectStoreConfig) -> String {
    match config {
        ObjectStoreConfig::Local => "the local file store".to_owned(),
        ObjectStoreConfig::S3 { bucket, prefix, .. } if prefix.is_empty() => format!("s3://{bucket}"),
        ObjectStoreConfig::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}"),
    }
}

/// Writes and deletes a small object: the server needs both, and finding out
/// at start beats refusing the first upload (wrong credentials, no bucket,
/// a read-only policy).
pub(super) async fn probe(objects: &dyn ObjectStore) -> Result<(), String> {
    let key = ObjectPath::from(format!(".colophon/probe-{}", new_id("prb")));
    objects.put(&key, Bytes::from_static(b"colophon").into()).await.map_err(|e| format!("cannot be written: {e}"))?;
    objects.delete(&key).await.map_err(|e| format!("cannot be deleted from: {e}"))
}
