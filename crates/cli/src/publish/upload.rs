//! Sending one file: resumed where an earlier run left it, paced, signed
//! here with the creator's key, and completed.

use std::{
    collections::BTreeMap,
    io::{Read as _, Seek as _},
    path::Path,
    time::{Duration, Instant},
};

use colophon_api::{ListingKind, RegisteredFile, StartUpload, StudioListing, Upload};
use colophon_catalog::registration::{Registration, content_kind};
use colophon_formats::{FileType, sniff};
use colophon_provenance::{ContentHash, SigningKey};
use serde::{Deserialize, Serialize};

use crate::client::Api;

/// Uploads in flight, so a later run resumes them: `.colophon-publish.json`
/// beside the manifest (or in the working directory), `{"uploads": {"SLUG/SHA256": "UPLOAD_ID"}}`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct State {
    uploads: BTreeMap<String, String>,
}

impl State {
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                serde_json::from_str(&text).map_err(|e| format!("{} is not a publish state file: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Written atomically (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// What a file is, by its content.
pub fn file_type(path: &Path) -> Result<FileType, String> {
    let mut head = [0u8; 64];
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let n = f.read(&mut head).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    sniff(&head[..n])
        .ok_or_else(|| format!("{}: not a PNG, JPEG, WebP, ComfyUI workflow JSON or safetensors file", path.display()))
}

/// Which hashes a file's statement must name as parents (what the server
/// extracts too: a LoRA's base model, a workflow's pinned model hashes).
fn parents(path: &Path, kind: ListingKind, size: u64) -> Result<Vec<ContentHash>, String> {
    let read = |n: u64| -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(n).read_to_end(&mut buf))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(buf)
    };
    let kind = content_kind(kind);
    let n =
        colophon_formats::parents::prefix_len(kind, &read(colophon_formats::parents::HEAD)?, size).map_err(|e| e.0)?;
    colophon_formats::parents::parents(kind, &read(n)?, size).map_err(|e| e.0)
}

fn bar(len: u64, quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// The file to send.
pub struct File<'a> {
    pub path: &'a Path,
    pub kind: ListingKind,
    pub size: u64,
    pub hash: ContentHash,
}

/// How to send it: at most `limit_rate` bytes a second; no bar when `quiet`.
#[derive(Clone, Copy)]
pub struct Pace {
    pub limit_rate: Option<u64>,
    pub quiet: bool,
}

/// Sends one file (resuming a recorded upload when the server still has it),
/// signs its statement and completes. Returns the offset resumed from and the
/// registered file.
pub async fn upload(
    api: &Api,
    state: &mut State,
    state_path: &Path,
    listing: &StudioListing,
    f: &File<'_>,
    key: &SigningKey,
    pace: Pace,
) -> Result<(u64, RegisteredFile), String> {
    let parents = parents(f.path, f.kind, f.size)?;
    let entry = format!("{}/{}", listing.slug, f.hash.to_hex());
    // A recorded upload the server still holds, else a new one.
    let recorded = match state.uploads.get(&entry) {
        Some(id) => api.upload(id).await.ok(),
        None => None,
    };
    let resumed_at = recorded.as_ref().map_or(0, |u| u.offset);
    let up = match recorded {
        Some(up) => up,
        None => {
            let start = StartUpload { listing_id: listing.id, size: f.size, sha256: f.hash.to_hex() };
            let up = api.start_upload(&start).await?;
            state.uploads.insert(entry.clone(), up.upload_id.clone());
            state.save(state_path)?;
            up
        }
    };
    let id = up.upload_id.as_str();
    // Chunks of at most the server's size (and 8 MiB, so a rate limit paces smoothly).
    let chunk = up.chunk_size.clamp(64 << 10, 8 << 20);
    let mut at = up.offset;
    let progress = bar(f.size, pace.quiet, "uploading");
    progress.set_position(at);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut file = std::fs::File::open(f.path).map_err(|e| format!("cannot open {}: {e}", f.path.display()))?;
    while at < f.size {
        let n = chunk.min(f.size - at);
        let mut buf = vec![0u8; n as usize];
        file.seek(std::io::SeekFrom::Start(at))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| format!("cannot read {}: {e}", f.path.display()))?;
        let now = api.put_chunk(id, at, buf).await.map_err(|e| format!("{e} (run again to resume)"))?;
        at = now.offset;
        sent += n;
        progress.set_position(at);
        if let Some(rate) = pace.limit_rate.filter(|r| *r > 0) {
            let due = Duration::from_secs_f64(sent as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
    }
    progress.finish_and_clear();
    // Every byte is there: an image's status now carries its perceptual hash.
    let done: Upload = if f.kind == ListingKind::Edition { api.upload(id).await? } else { up.clone() };
    let time_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_millis()).ok())
        .ok_or("the clock is before 1970")?;
    let body = Registration {
        upload: &done,
        kind: f.kind,
        content_hash: f.hash,
        parents,
        license_hash: &listing.license_hash,
        time_ms,
    }
    .sign(key)
    .map_err(|e| format!("cannot sign: {e}"))?;
    let file = api.complete(id, &body).await?;
    state.uploads.remove(&entry);
    state.save(state_path)?;
    Ok((resumed_at, file))
}
