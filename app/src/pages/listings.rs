//! The Studio's listings: create drafts with terms, upload signed files with
//! a progress bar, publish and archive.
//!
//! An upload, in the browser: hash the file in 8 MiB slices (the provenance
//! crate in wasm; the file never has to fit in memory), read what the file
//! references (a LoRA's base model, a workflow's model hashes) with the same
//! parsers the server uses, open the upload, unlock the key with the
//! passphrase, sign `ContentRegistered`, send the bytes in chunks (resuming
//! from the server's offset), and complete.

use leptos::prelude::*;

use crate::components::ui::{BUTTON, BUTTON_LIGHT, INPUT};

use crate::{
    api::listings::{CreateListing, FileVersion, SetListingStatus, StudioListing, my_listings},
    pages::ActionError,
    types::{ListingKind, ListingStatus},
};

/// The creator's listings and the form for a new one.
#[component]
pub fn ListingsPanel() -> impl IntoView {
    let create = ServerAction::<CreateListing>::new();
    let status = ServerAction::<SetListingStatus>::new();
    let refresh = RwSignal::new(0u32);
    // Upload outcomes live here, not in the rows: rows are rebuilt when the list reloads.
    let outcomes = RwSignal::new(std::collections::HashMap::<i64, Result<String, String>>::new());
    let listings =
        Resource::new(move || (create.version().get(), status.version().get(), refresh.get()), |_| my_listings());
    view! {
        <section aria-labelledby="listings-heading" class="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
            <h2 id="listings-heading" class="text-xl font-semibold">"Your listings"</h2>
            <Transition fallback=|| view! { <p aria-busy="true">"Loading listings…"</p> }>
                {move || Suspend::new(async move {
                    match listings.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-stone-600">"No listings yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="flex flex-col gap-4" data-testid="studio-listings">
                                {list.into_iter().map(|l| view! { <ListingRow listing=l status refresh outcomes /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <NewListingForm action=create />
        </section>
    }
}

#[component]
fn NewListingForm(action: ServerAction<CreateListing>) -> impl IntoView {
    let kind = RwSignal::new("edition".to_owned());
    view! {
        <details class="rounded border border-stone-200 p-3" open=true>
            <summary class="cursor-pointer font-medium">"New listing"</summary>
            <ActionForm action attr:class="mt-3 grid gap-3 md:grid-cols-2" attr:data-testid="new-listing-form">
                <label class="block">
                    <span class="font-medium">"Kind"</span>
                    <select class=INPUT name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="edition">"Limited edition (image)"</option>
                        <option value="workflow">"ComfyUI workflow"</option>
                        <option value="lora">"LoRA (safetensors)"</option>
                    </select>
                </label>
                <label class="block">
                    <span class="font-medium">"Title"</span>
                    <input class=INPUT name="title" required maxlength="200" />
                </label>
                <label class="block md:col-span-2">
                    <span class="font-medium">"Description"</span>
                    <textarea class=INPUT name="description" rows="2" maxlength="10000"></textarea>
                </label>
                <label class="block">
                    <span class="font-medium">"Price (USD)"</span>
                    <input class=INPUT name="price" required inputmode="decimal" placeholder="25.00" />
                </label>
                <label class="block" class:hidden=move || kind.get() != "edition">
                    <span class="font-medium">"Edition size"</span>
                    <input class=INPUT name="edition_size" type="number" min="1" max="10000" placeholder="25" />
                </label>
                <label class="block">
                    <span class="font-medium">"Sale starts (UTC, optional)"</span>
                    <input class=INPUT name="sale_starts_at" type="datetime-local" />
                </label>
                <label class="block">
                    <span class="font-medium">"Sale ends (UTC, optional)"</span>
                    <input class=INPUT name="sale_ends_at" type="datetime-local" />
                </label>
                <label class="block">
                    <span class="font-medium">"Per-account cap (optional)"</span>
                    <input class=INPUT name="per_account_cap" type="number" min="1" />
                </label>
                <label class="block" class:hidden=move || kind.get() != "edition">
                    <span class="font-medium">"Resale royalty (%)"</span>
                    <input class=INPUT name="royalty" inputmode="decimal" placeholder="5" />
                    <span class="text-xs text-stone-500">"Your share of every resale, 0 to 10 %; blank is 5 %."</span>
                </label>
                <label class="block">
                    <span class="font-medium">"Tags (comma-separated)"</span>
                    <input class=INPUT name="tags" placeholder="ink, tide, sumi-e" />
                </label>
                <fieldset class="md:col-span-2">
                    <legend class="font-medium">"Licence"</legend>
                    <p class="text-sm text-stone-600">"Personal use is always allowed. The terms are hashed into every file's signed statement."</p>
                    <div class="mt-1 flex flex-wrap gap-4 text-sm">
                        <label><input type="checkbox" name="commercial_use" />" Commercial use"</label>
                        <label><input type="checkbox" name="derivatives" checked />" Derivative works"</label>
                        <label><input type="checkbox" name="credit_required" checked />" Credit required"</label>
                        <label><input type="checkbox" name="redistribution" />" Redistribution"</label>
                    </div>
                    <input class=INPUT name="license_notes" placeholder="Notes (optional)" maxlength="2000" />
                </fieldset>
                <div class="md:col-span-2 flex flex-col gap-2">
                    <ActionError action />
                    <button class=BUTTON type="submit" disabled=move || action.pending().get()>"Create draft"</button>
                </div>
            </ActionForm>
        </details>
    }
}

#[component]
fn ListingRow(
    listing: StudioListing,
    status: ServerAction<SetListingStatus>,
    refresh: RwSignal<u32>,
    outcomes: RwSignal<std::collections::HashMap<i64, Result<String, String>>>,
) -> impl IntoView {
    let kind_label = match listing.kind {
        ListingKind::Edition => format!("Edition of {}", listing.edition_size.unwrap_or(0)),
        ListingKind::Workflow => "Workflow".to_owned(),
        ListingKind::Lora => "LoRA".to_owned(),
    };
    let id = listing.id;
    let accept = match listing.kind {
        ListingKind::Edition => "image/png,image/jpeg,image/webp",
        ListingKind::Workflow => ".json,application/json",
        ListingKind::Lora => ".safetensors",
    };
    // The chosen file is read from the input when uploading: browser objects
    // must not live in signals the server also creates (they are not Send).
    let file_input = NodeRef::<leptos::html::Input>::new();
    let pass = RwSignal::new(String::new());
    let progress = RwSignal::new(None::<(String, f64)>);
    let outcome = move |r: Option<Result<String, String>>| {
        outcomes.update(|m| {
            match r {
                Some(r) => m.insert(id, r),
                None => m.remove(&id),
            };
        })
    };
    let busy = RwSignal::new(false);
    let kind = listing.kind;
    let license_hash = listing.license_hash.clone();
    let upload = move |_| {
        let Some(f) = file_input.get_untracked().and_then(|input| input.files()).and_then(|files| files.get(0)) else {
            outcome(Some(Err("Choose a file first.".into())));
            return;
        };
        busy.set(true);
        outcome(None);
        let (p, license_hash) = (pass.get_untracked(), license_hash.clone());
        leptos::task::spawn_local(async move {
            let result = browser::upload(f, id, kind, &license_hash, &p, progress).await;
            busy.set(false);
            progress.set(None);
            outcome(Some(result));
            refresh.update(|v| *v += 1);
        });
    };
    view! {
        <li class="rounded border border-stone-200 p-4" data-testid="studio-listing" data-slug=listing.slug.clone()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <p class="font-semibold"><a href=format!("/listings/{}", listing.slug) class="hover:underline">{listing.title.clone()}</a></p>
                <p class="text-sm text-stone-600">
                    {kind_label} " · " <span data-testid="listing-status">{listing.status.as_str()}</span> " · "
                    <span data-testid="file-count">{listing.files}</span> " file(s) · "
                    <span data-testid="stock">
                        {match listing.edition_size {
                            Some(n) => format!("{} of {n} sold", listing.sold),
                            None => format!("{} licence(s) sold", listing.sold),
                        }}
                    </span>
                </p>
            </div>
            <ul class="mt-1 text-sm text-stone-600">
                {listing.license_words.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ul>
            {listing.versions.first().cloned().map(|v| view! { <FileDetails file=v versions=listing.versions.len() /> })}
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <label class="text-sm">
                    "File"
                    <input type="file" accept=accept class="block text-sm" data-testid="file-input" node_ref=file_input />
                </label>
                <label class="text-sm">
                    "Key passphrase"
                    <input type="password" class="block rounded border border-stone-300 px-2 py-1" autocomplete="current-password" bind:value=pass data-testid="upload-passphrase" />
                </label>
                <button type="button" class=BUTTON_LIGHT disabled=move || busy.get() on:click=upload>
                    "Sign and upload"
                </button>
                {(listing.status != ListingStatus::Published).then(|| view! {
                    <button type="button" class=BUTTON_LIGHT
                        on:click=move |_| { status.dispatch(SetListingStatus { listing_id: id, status: "published".into() }); }>
                        "Publish"
                    </button>
                })}
                {(listing.status == ListingStatus::Published).then(|| view! {
                    <button type="button" class=BUTTON_LIGHT
                        on:click=move |_| { status.dispatch(SetListingStatus { listing_id: id, status: "archived".into() }); }>
                        "Archive"
                    </button>
                })}
            </div>
            {move || progress.get().map(|(phase, fraction)| view! {
                <div class="mt-3">
                    <label class="text-sm text-stone-700">{phase}
                        <progress class="block w-full" max="1" value=fraction data-testid="upload-progress"></progress>
                    </label>
                </div>
            })}
            {move || outcomes.get().get(&id).cloned().map(|r| match r {
                Ok(text) => view! { <p role="status" class="mt-2 text-emerald-800" data-testid="upload-result">{text}</p> }.into_any(),
                Err(text) => view! { <p role="alert" class="mt-2 text-rose-800">{text}</p> }.into_any(),
            })}
            <ActionError action=status />
        </li>
    }
}

/// What the server found in the newest file version: image size, workflow
/// nodes and models, LoRA training metadata.
#[component]
fn FileDetails(file: FileVersion, versions: usize) -> impl IntoView {
    let d = file.details.clone();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    let summary = match file.file_type.as_str() {
        "json" => format!(
            "ComfyUI workflow ({} format): {} nodes, {} links",
            text(&d["format"]),
            text(&d["node_count"]),
            text(&d["link_count"])
        ),
        "safetensors" => format!(
            "{} · {} tensors · {} parameters",
            text(&d["network"]),
            text(&d["tensor_count"]),
            text(&d["parameters"])
        ),
        t => format!("{} × {} px {}", text(&d["width"]), text(&d["height"]), t.to_uppercase()),
    };
    let rows: Vec<(String, String)> = match file.file_type.as_str() {
        "json" => {
            let mut rows: Vec<(String, String)> = d["node_types"]
                .as_array()
                .map(|a| {
                    a.iter().take(12).map(|p| (format!("node {}", text(&p[0])), format!("× {}", text(&p[1])))).collect()
                })
                .unwrap_or_default();
            for m in d["models"].as_array().into_iter().flatten() {
                let hash =
                    m["sha256"].as_str().map(|h| format!(" · sha256 {}…", &h[..h.len().min(16)])).unwrap_or_default();
                rows.push((text(&m["kind"]), format!("{} (node {}){hash}", text(&m["name"]), text(&m["node_id"]))));
            }
            rows
        }
        "safetensors" => {
            let k = &d["kohya"];
            let mut rows: Vec<(String, String)> = [
                ("title", "title"),
                ("base model", "base_model"),
                ("base model version", "base_model_version"),
                ("network module", "network_module"),
                ("network dim", "network_dim"),
                ("network alpha", "network_alpha"),
                ("resolution", "resolution"),
                ("epochs", "epochs"),
                ("steps", "steps"),
                ("learning rate", "learning_rate"),
            ]
            .into_iter()
            .filter(|(_, key)| !k[*key].is_null())
            .map(|(label, key)| (label.to_owned(), text(&k[key])))
            .collect();
            if let Some(tags) = k["top_tags"].as_array().filter(|t| !t.is_empty()) {
                let t: Vec<String> =
                    tags.iter().take(10).map(|p| format!("{} ({})", text(&p[0]), text(&p[1]))).collect();
                rows.push(("training tags".into(), t.join(", ")));
            }
            if let Some(h) = d["base_model_hash"].as_str() {
                rows.push(("base model sha256".into(), h.to_owned()));
            }
            rows
        }
        _ => vec![],
    };
    let metadata: Vec<(String, String)> =
        d["metadata"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), text(v))).collect()).unwrap_or_default();
    let alt_label = if file.file_type == "json" { "canonical hash (layout-free)" } else { "tensor-data hash" };
    view! {
        <div class="mt-3 rounded bg-stone-50 p-3 text-sm" data-testid="file-details">
            <p class="font-medium">
                "Version " {file.version} " of " {versions} " · log entry #" {file.leaf_index} " · " {summary}
            </p>
            <p class="break-all text-stone-600">"sha256 " <code>{file.sha256.clone()}</code></p>
            {file.alt_hash.clone().map(|h| view! {
                <p class="break-all text-stone-600">{alt_label} " " <code>{h}</code></p>
            })}
            {(!rows.is_empty()).then(|| view! {
                <dl class="mt-2 grid grid-cols-[max-content_1fr] gap-x-4">
                    {rows.into_iter().map(|(k, v)| view! { <dt class="text-stone-600">{k}</dt><dd class="break-all">{v}</dd> }).collect_view()}
                </dl>
            })}
            {(!metadata.is_empty()).then(|| view! {
                <details class="mt-2">
                    <summary class="cursor-pointer">"All " {metadata.len()} " __metadata__ entries"</summary>
                    <dl class="mt-1 grid grid-cols-[max-content_1fr] gap-x-4 text-xs">
                        {metadata.into_iter().map(|(k, v)| view! { <dt class="font-mono">{k}</dt><dd class="break-all font-mono">{v}</dd> }).collect_view()}
                    </dl>
                </details>
            })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use colophon_formats::{lora, workflow::Workflow};
    use colophon_provenance::{ContentHash, ContentKind, Statement};
    use leptos::prelude::*;
    use serde::Deserialize;

    use crate::types::ListingKind;

    use crate::file_hash::read;

    #[derive(Deserialize)]
    struct UploadView {
        upload_id: String,
        file_id: String,
        listing_ref: String,
        size: f64,
        offset: f64,
        chunk_size: f64,
        #[serde(default)]
        perceptual_hash: Option<String>,
    }

    #[derive(Deserialize)]
    struct Registered {
        version: i64,
        leaf_index: u64,
        sha256: String,
        signer_fingerprint: String,
        #[serde(default)]
        similar: Vec<Similar>,
    }

    #[derive(Deserialize)]
    struct Similar {
        distance: u32,
        listing: String,
        title: String,
        creator: String,
    }

    /// 16 hex digits → 8 bytes.
    fn hex_bytes(h: &str) -> Option<Vec<u8>> {
        if h.len() != 16 || !h.is_ascii() {
            return None;
        }
        (0..8).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok()).collect()
    }

    #[derive(Deserialize)]
    struct ErrorBody {
        message: String,
    }

    /// Bytes per PUT: small enough that an interruption costs little and the
    /// bar moves, large enough that a multi-GB LoRA is a few hundred requests.
    const CHUNK: f64 = (8 << 20) as f64;

    /// An unfinished upload outlives the page: its id is kept in this browser
    /// under the listing and the file's hash, so choosing the same file again
    /// after a reload (or a lost connection) resumes at the server's offset.
    mod unfinished {
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

    /// The upload this browser left unfinished for this file, if the server still has it.
    async fn resumable(listing_id: i64, sha: &ContentHash, size: f64) -> Option<UploadView> {
        let id = unfinished::get(listing_id, sha)?;
        let resp = gloo_net::http::Request::get(&format!("/api/v1/uploads/{id}")).send().await.ok()?;
        let up = if resp.ok() { resp.json::<UploadView>().await.ok() } else { None };
        let up = up.filter(|u| u.size == size);
        if up.is_none() {
            unfinished::forget(listing_id, sha);
        }
        up
    }

    async fn fail(resp: gloo_net::http::Response) -> String {
        resp.json::<ErrorBody>()
            .await
            .map(|e| e.message)
            .unwrap_or_else(|_| format!("The server answered {}.", resp.status()))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn upload(
        file: web_sys::File,
        listing_id: i64,
        kind: ListingKind,
        license_hash: &str,
        passphrase: &str,
        progress: RwSignal<Option<(String, f64)>>,
    ) -> Result<String, String> {
        // The key that signs is the active one now (it may have just been generated or rotated).
        let keys = crate::api::keys::list_my_keys().await.map_err(|e| e.to_string())?;
        let key_id = keys.active().map(|k| k.key_id.clone()).ok_or("Generate a signing key above first.")?;
        let key_id = key_id.as_str();
        let size = file.size();
        // 1. Hash in slices, in wasm.
        let sha =
            crate::file_hash::sha256(&file, |f| progress.set(Some(("Hashing in your browser".into(), f)))).await?;
        // 2. What the file references, with the server's own parsers.
        let parents: Vec<ContentHash> = match kind {
            ListingKind::Lora => {
                let head = read(&file, 0.0, 8.0_f64.min(size)).await?;
                let n = lora::header_len(&head).map_err(|e| e.0)? as f64;
                let prefix = read(&file, 0.0, (8.0 + n).min(size)).await?;
                let h = lora::parse_header(&prefix, size as u64, lora::DEFAULT_MAX_HEADER).map_err(|e| e.0)?;
                h.info.base_model_hash.into_iter().collect()
            }
            ListingKind::Workflow => Workflow::parse(&read(&file, 0.0, size).await?).map_err(|e| e.0)?.pinned_hashes(),
            ListingKind::Edition => vec![],
        };
        // 3. Resume what this browser left unfinished for this file, or open an upload.
        let mut label = "Uploading".to_owned();
        let up = match resumable(listing_id, &sha, size).await {
            Some(up) => {
                label = format!("Uploading (resumed at {:.0} %)", 100.0 * up.offset / size);
                up
            }
            None => {
                let resp = gloo_net::http::Request::post("/api/v1/uploads")
                    .json(&serde_json::json!({"listing_id": listing_id, "size": size as u64, "sha256": sha.to_hex()}))
                    .map_err(|e| e.to_string())?
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !resp.ok() {
                    return Err(fail(resp).await);
                }
                let up: UploadView = resp.json().await.map_err(|e| e.to_string())?;
                unfinished::remember(listing_id, &sha, &up.upload_id);
                up
            }
        };
        // 4. Unlock the key now, so a wrong passphrase fails before any bytes move.
        progress.set(Some(("Unlocking your key".into(), 0.0)));
        let key = crate::pages::keys::browser::unlock(key_id, passphrase)?;
        // 5. Send the bytes in chunks.
        let url = format!("/api/v1/uploads/{}", up.upload_id);
        let mut at = up.offset;
        let chunk_size = up.chunk_size.min(CHUNK);
        let mut conflicts = 0;
        while at < size {
            let end = (at + chunk_size).min(size);
            let chunk = file.slice_with_f64_and_f64(at, end).map_err(|_| "Could not read the file.")?;
            let resp = gloo_net::http::Request::put(&url)
                .header("upload-offset", &format!("{}", at as u64))
                .body(chunk)
                .map_err(|e| e.to_string())?
                .send()
                .await
                .map_err(|e| format!("The upload was interrupted ({e}); choose the same file again to resume."))?;
            if resp.status() == 409 && conflicts < 3 {
                // Another tab or an earlier attempt moved it: continue from where the server stands.
                conflicts += 1;
                let resp = gloo_net::http::Request::get(&url).send().await.map_err(|e| e.to_string())?;
                let now: UploadView = resp.json().await.map_err(|e| e.to_string())?;
                at = now.offset;
                continue;
            }
            if !resp.ok() {
                return Err(fail(resp).await);
            }
            at = end;
            progress.set(Some((label.clone(), at / size)));
        }
        // 6. Sign. An image's statement carries its perceptual hash, which the
        //    server computes from the bytes it now holds (docs/FORMATS.md §12).
        let perceptual_hash = if kind == ListingKind::Edition {
            let resp = gloo_net::http::Request::get(&url).send().await.map_err(|e| e.to_string())?;
            if !resp.ok() {
                return Err(fail(resp).await);
            }
            let status: UploadView = resp.json().await.map_err(|e| e.to_string())?;
            status.perceptual_hash.as_deref().and_then(hex_bytes)
        } else {
            None
        };
        let content_kind = match kind {
            ListingKind::Edition => ContentKind::EditionImage,
            ListingKind::Workflow => ContentKind::Workflow,
            ListingKind::Lora => ContentKind::Lora,
        };
        let signed = Statement::ContentRegistered {
            content_hash: sha,
            content_kind,
            size: size as u64,
            creator_key: key.public_key().key_id(),
            listing_id: up.listing_ref.clone(),
            file_id: up.file_id.clone(),
            parents,
            license_terms: ContentHash::parse(license_hash).ok(),
            perceptual_hash,
            time_ms: crate::pages::keys::browser::now_ms(),
        }
        .sign(&key)
        .map_err(|e| e.to_string())?;
        // 7. Complete: the server re-hashes, validates and logs.
        progress.set(Some(("Verifying on the server".into(), 1.0)));
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let resp = gloo_net::http::Request::post(&format!("{url}/complete"))
            .json(&serde_json::json!({"statement_hex": hex(&signed.bytes), "signature_hex": hex(&signed.signature)}))
            .map_err(|e| e.to_string())?
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.ok() {
            // Kept: if the server kept the upload (a signature it could not check), the next try resumes it.
            return Err(fail(resp).await);
        }
        unfinished::forget(listing_id, &sha);
        let r: Registered = resp.json().await.map_err(|e| e.to_string())?;
        let mut msg = format!(
            "Signature verified: version {} registered as log entry #{}, signed by {} (sha256 {}…).",
            r.version,
            r.leaf_index,
            r.signer_fingerprint,
            &r.sha256[..16]
        );
        if !r.similar.is_empty() {
            let list: Vec<String> = r
                .similar
                .iter()
                .map(|s| {
                    format!(
                        "“{}” by {} (/listings/{}, {} of 64 bits differ)",
                        s.title, s.creator, s.listing, s.distance
                    )
                })
                .collect();
            msg.push_str(&format!(" Possible copies — registered works that look like this one: {}.", list.join("; ")));
        }
        Ok(msg)
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    use leptos::prelude::*;

    use crate::types::ListingKind;

    #[allow(clippy::too_many_arguments, clippy::unused_async)]
    pub async fn upload(
        _: leptos::web_sys::File,
        _: i64,
        _: ListingKind,
        _: &str,
        _: &str,
        _: RwSignal<Option<(String, f64)>>,
    ) -> Result<String, String> {
        Err("Uploading needs JavaScript in the browser.".into())
    }
}
