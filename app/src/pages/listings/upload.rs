//! The browser's upload client: hash the file in 8 MiB slices (the
//! provenance crate in wasm; the file never has to fit in memory), read what
//! the file references (a LoRA's base model, a workflow's model hashes) with
//! the parsers the server uses, open the upload, unlock the key with the
//! passphrase, send the bytes in chunks (resuming from the server's offset),
//! sign `ContentRegistered` as the catalog builds it, and complete. The wire
//! types are the server's own (`colophon-api`), as in `colophon publish`.

use leptos::prelude::*;

use crate::types::ListingKind;

#[cfg(feature = "hydrate")]
mod browser {
    use colophon_api::{ErrorBody, Upload};
    use colophon_catalog::registration::content_kind;
    use colophon_formats::parents;
    use colophon_provenance::ContentHash;
    use gloo_net::http::{Request, Response};

    use crate::{file_hash::read, types::ListingKind};

    /// Bytes per PUT: small enough that an interruption costs little and the
    /// bar moves, large enough that a multi-GB LoRA is a few hundred requests.
    pub(super) const CHUNK: u64 = 8 << 20;

    /// An unfinished upload outlives the page: its id is kept in this browser
    /// under the listing and the file's hash, so choosing the same file again
    /// after a reload (or a lost connection) resumes at the server's offset.
    pub(super) mod unfinished {
        use colophon_provenance::ContentHash;

        fn storage() -> Option<web_sys::Storage> {
            web_sys::window().and_then(|w| w.local_storage().ok().flatten())
        }

        fn key(listing_id: i64, sha: &ContentHash) -> String {
            format!("colophon-upload/{listing_id}/{}", sha.to_hex())
        }

        pub fn get(listing_id: i64, sha: &ContentHash) -> Option<String> {
            storage()?.get_item(&key(listing_id, sha)).ok().flatten()
        }

        pub fn remember(listing_id: i64, sha: &ContentHash, upload_id: &str) {
            if let Some(s) = storage() {
                let _ = s.set_item(&key(listing_id, sha), upload_id);
            }
        }

        pub fn forget(listing_id: i64, sha: &ContentHash) {
            if let Some(s) = storage() {
                let _ = s.remove_item(&key(listing_id, sha));
            }
        }
    }

    /// A response's body as `T`, or the server's message when it refused.
    pub(super) async fn answer<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T, String> {
        if !resp.ok() {
            return Err(resp
                .json::<ErrorBody>()
                .await
                .map(|e| e.message)
                .unwrap_or_else(|_| format!("The server answered {}.", resp.status())));
        }
        resp.json().await.map_err(|e| e.to_string())
    }

    pub(super) async fn status(url: &str) -> Result<Upload, String> {
        answer(Request::get(url).send().await.map_err(|e| e.to_string())?).await
    }

    pub(super) async fn post<T: serde::de::DeserializeOwned>(
        url: &str,
        body: &impl serde::Serialize,
    ) -> Result<T, String> {
        answer(Request::post(url).json(body).map_err(|e| e.to_string())?.send().await.map_err(|e| e.to_string())?).await
    }

    /// The upload this browser left unfinished for this file, if the server still has it.
    pub(super) async fn resumable(listing_id: i64, sha: &ContentHash, size: u64) -> Option<Upload> {
        let id = unfinished::get(listing_id, sha)?;
        let up = status(&format!("/api/v1/uploads/{id}")).await.ok().filter(|u| u.size == size);
        if up.is_none() {
            unfinished::forget(listing_id, sha);
        }
        up
    }

    /// What the file references, read with the server's own parsers.
    pub(super) async fn parents_of(file: &web_sys::File, kind: ListingKind) -> Result<Vec<ContentHash>, String> {
        let (kind, size) = (content_kind(kind), file.size());
        let head = read(file, 0.0, (parents::HEAD as f64).min(size)).await?;
        let n = parents::prefix_len(kind, &head, size as u64).map_err(|e| e.0)?;
        let prefix = if n == 0 { Vec::new() } else { read(file, 0.0, n as f64).await? };
        parents::parents(kind, &prefix, size as u64).map_err(|e| e.0)
    }
}

/// What the creator reads once a file is registered, with any possible copies.
#[cfg(feature = "hydrate")]
fn registered(r: &colophon_api::RegisteredFile) -> String {
    let mut msg = format!(
        "Signature verified: version {} registered as log entry #{}, signed by {} (sha256 {}…).",
        r.version,
        r.leaf_index,
        r.signer_fingerprint,
        r.sha256.get(..16).unwrap_or_default()
    );
    if !r.similar.is_empty() {
        let list: Vec<String> = r
            .similar
            .iter()
            .map(|s| {
                format!("“{}” by {} (/listings/{}, {} of 64 bits differ)", s.title, s.creator, s.listing, s.distance)
            })
            .collect();
        msg.push_str(&format!(" Possible copies — registered works that look like this one: {}.", list.join("; ")));
    }
    msg
}

/// Uploads `file` to the listing and registers it, reporting each phase in `progress`.
#[cfg_attr(not(feature = "hydrate"), allow(clippy::unused_async))]
pub(super) async fn upload(
    file: leptos::web_sys::File,
    listing_id: i64,
    kind: ListingKind,
    license_hash: &str,
    passphrase: &str,
    progress: RwSignal<Option<(String, f64)>>,
) -> Result<String, String> {
    #[cfg(feature = "hydrate")]
    {
        use browser::{CHUNK, parents_of, post, resumable, status, unfinished};
        use colophon_api::{RegisteredFile, StartUpload, Upload};
        use colophon_catalog::registration::Registration;
        use gloo_net::http::Request;
        // The key that signs is the active one now (it may have just been generated or rotated).
        let keys = crate::api::keys::list_my_keys().await.map_err(|e| e.to_string())?;
        let key_id = keys.active().map(|k| k.key_id.clone()).ok_or("Generate a signing key above first.")?;
        let size = file.size() as u64;
        // 1. Hash in slices, in wasm.
        let sha =
            crate::file_hash::sha256(&file, |f| progress.set(Some(("Hashing in your browser".into(), f)))).await?;
        // 2. What the file references.
        let parents = parents_of(&file, kind).await?;
        // 3. Resume what this browser left unfinished for this file, or open an upload.
        let mut label = "Uploading".to_owned();
        let up = match resumable(listing_id, &sha, size).await {
            Some(up) => {
                label = format!("Uploading (resumed at {:.0} %)", 100.0 * up.offset as f64 / size as f64);
                up
            }
            None => {
                let start = StartUpload { listing_id, size, sha256: sha.to_hex() };
                let up: Upload = post("/api/v1/uploads", &start).await?;
                unfinished::remember(listing_id, &sha, &up.upload_id);
                up
            }
        };
        // 4. Unlock the key now, so a wrong passphrase fails before any bytes move.
        progress.set(Some(("Unlocking your key".into(), 0.0)));
        let key = crate::pages::keys::browser::unlock(&key_id, passphrase)?;
        // 5. Send the bytes in chunks.
        let url = format!("/api/v1/uploads/{}", up.upload_id);
        let mut at = up.offset;
        let chunk_size = up.chunk_size.min(CHUNK);
        let mut conflicts = 0;
        while at < size {
            let end = (at + chunk_size).min(size);
            let chunk = file.slice_with_f64_and_f64(at as f64, end as f64).map_err(|_| "Could not read the file.")?;
            let resp = Request::put(&url)
                .header("upload-offset", &at.to_string())
                .body(chunk)
                .map_err(|e| e.to_string())?
                .send()
                .await
                .map_err(|e| format!("The upload was interrupted ({e}); choose the same file again to resume."))?;
            if resp.status() == 409 && conflicts < 3 {
                // Another tab or an earlier attempt moved it: continue from where the server stands.
                conflicts += 1;
                at = status(&url).await?.offset;
                continue;
            }
            at = browser::answer::<Upload>(resp).await?.offset;
            progress.set(Some((label.clone(), at as f64 / size as f64)));
        }
        // 6. Sign. Every byte is there: an image's status now carries the
        //    perceptual hash its statement names (docs/FORMATS.md §12).
        let done = if kind == ListingKind::Edition { status(&url).await? } else { up };
        let body = Registration {
            upload: &done,
            kind,
            content_hash: sha,
            parents,
            license_hash,
            time_ms: crate::pages::keys::browser::now_ms(),
        }
        .sign(&key)
        .map_err(|e| e.to_string())?;
        // 7. Complete: the server re-hashes, validates and logs.
        progress.set(Some(("Verifying on the server".into(), 1.0)));
        // On a refusal the id is kept: if the server kept the upload, the next try resumes it.
        let r: RegisteredFile = post(&format!("{url}/complete"), &body).await?;
        unfinished::forget(listing_id, &sha);
        Ok(registered(&r))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (file, listing_id, kind, license_hash, passphrase, progress);
        Err("Uploading needs JavaScript in the browser.".into())
    }
}
