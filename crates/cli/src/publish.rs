//! `colophon publish`: the end of a creator's pipeline. Lists files (from a
//! TOML manifest, or inferred from the files themselves), signs each file's
//! `ContentRegistered` statement here with the creator's key file, uploads
//! with a progress bar, resumes interrupted uploads, and skips what is
//! already published — so re-running it is a no-op. `--dry-run` only says
//! what it would do. The server gets an API token (`COLOPHON_TOKEN`, scopes
//! `read` + `publish`), never the key.

use std::{
    collections::BTreeMap,
    io::{Read as _, Seek as _},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use colophon_formats::{FileType, lora, sniff, workflow::Workflow};
use colophon_provenance::{ContentHash, ContentKind, SigningKey, Statement, keyfile::KeyFile};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{NOT_VERIFIED, USAGE, VERIFIED};

pub struct Args {
    pub paths: Vec<PathBuf>,
    pub server: String,
    pub key: PathBuf,
    pub manifest: Option<PathBuf>,
    pub price: Option<String>,
    pub edition_size: Option<i64>,
    pub draft: bool,
    pub dry_run: bool,
    pub limit_rate: Option<u64>,
    pub json: bool,
}

/// `colophon.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "listing", default)]
    pub listings: Vec<ListingSpec>,
}

/// One listing of a manifest: the creator API's listing request plus its
/// files (relative to the manifest) and whether to publish it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingSpec {
    pub slug: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// "25" or "12.50" (USD).
    pub price: String,
    #[serde(default)]
    pub edition_size: Option<i64>,
    #[serde(default)]
    pub sale_starts_at: Option<String>,
    #[serde(default)]
    pub sale_ends_at: Option<String>,
    #[serde(default)]
    pub per_account_cap: Option<i64>,
    /// Editions: the creator's share of each resale, basis points (0–1000; default 500).
    #[serde(default)]
    pub royalty_bps: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub license: License,
    pub files: Vec<PathBuf>,
    /// Publish once its files are up (default true).
    #[serde(default = "yes")]
    pub publish: bool,
}

fn yes() -> bool {
    true
}

/// A listing's licence terms: the creator API's own request shape.
pub use colophon_api::LicenseRequest as License;

/// Uploads in flight, so a later run resumes them: `.colophon-publish.json`
/// beside the manifest (or in the working directory), `{"uploads": {"SLUG/SHA256": "UPLOAD_ID"}}`.
#[derive(Debug, Default, Deserialize, Serialize)]
struct State {
    uploads: BTreeMap<String, String>,
}

impl State {
    fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                serde_json::from_str(&text).map_err(|e| format!("{} is not a publish state file: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Written atomically (a temporary file renamed over the old one).
    fn save(&self, path: &Path) -> Result<(), String> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// What one run did, for the summary and `--json`.
#[derive(Debug, Serialize)]
struct Action {
    listing: String,
    file: Option<String>,
    /// created | exists | would_create | uploaded | resumed | skipped | would_upload | published | would_publish | failed
    action: &'static str,
    detail: String,
}

struct Api {
    http: reqwest::Client,
    server: String,
    token: String,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.trim_end_matches('/'))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
        let res =
            req.bearer_auth(&self.token).send().await.map_err(|e| format!("cannot reach {}: {e}", self.server))?;
        let status = res.status().as_u16();
        let body = if status == 204 { Value::Null } else { res.json().await.unwrap_or(Value::Null) };
        Ok((status, body))
    }

    async fn get(&self, path: &str) -> Result<(u16, Value), String> {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), String> {
        self.send(self.http.post(self.url(path)).json(body)).await
    }
}

/// The message of a refusal.
fn refusal(status: u16, body: &Value) -> String {
    let message =
        serde_json::from_value::<colophon_api::ErrorBody>(body.clone()).map(|e| e.message).unwrap_or_default();
    format!("the server answered {status}: {message}")
}

/// What a file is, by its content.
fn file_type(path: &Path) -> Result<FileType, String> {
    let mut head = [0u8; 64];
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let n = f.read(&mut head).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    sniff(&head[..n])
        .ok_or_else(|| format!("{}: not a PNG, JPEG, WebP, ComfyUI workflow JSON or safetensors file", path.display()))
}

fn kind_of(t: FileType) -> &'static str {
    if t.is_image() {
        "edition"
    } else if t == FileType::Safetensors {
        "lora"
    } else {
        "workflow"
    }
}

/// Listings inferred from files: one per file, slug and title from its name.
fn infer(paths: &[PathBuf], a: &Args) -> Result<Vec<ListingSpec>, String> {
    let price = a.price.clone().ok_or("--price is needed to list files without a manifest (e.g. --price 25)")?;
    let mut out = Vec::new();
    for path in paths {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let slug = colophon_catalog::Slug::from_title(stem)
            .ok_or_else(|| format!("{}: cannot make a slug from this file name; use a manifest", path.display()))?
            .as_str()
            .to_owned();
        let kind = kind_of(file_type(path)?);
        if kind == "edition" && a.edition_size.is_none() {
            return Err(format!("{}: an image is listed as an edition: give --edition-size", path.display()));
        }
        out.push(ListingSpec {
            slug,
            kind: kind.to_owned(),
            title: stem.replace(['-', '_'], " "),
            description: String::new(),
            price: price.clone(),
            edition_size: if kind == "edition" { a.edition_size } else { None },
            sale_starts_at: None,
            sale_ends_at: None,
            per_account_cap: None,
            royalty_bps: None,
            tags: Vec::new(),
            license: License::default(),
            files: vec![path.clone()],
            publish: true,
        });
    }
    Ok(out)
}

/// "12.50" → 1250.
/// A manifest's price ("25", "12.50") in minor units: the catalog's rule.
fn price_minor(price: &str) -> Result<i64, String> {
    colophon_catalog::Price::parse(price)
        .map(colophon_catalog::Price::minor)
        .map_err(|e| format!("{price:?} is not a price like 25 or 12.50: {e}"))
}

/// Which hashes a file's statement must name as parents (what the server
/// extracts too: a LoRA's base model, a workflow's pinned model hashes).
fn parents(path: &Path, t: FileType, size: u64) -> Result<Vec<ContentHash>, String> {
    let read = |n: u64| -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(n).read_to_end(&mut buf))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(buf)
    };
    match t {
        FileType::Safetensors => {
            let n = lora::header_len(&read(8)?).map_err(|e| e.0)?;
            let h = lora::parse_header(&read(8 + n)?, size, lora::DEFAULT_MAX_HEADER).map_err(|e| e.0)?;
            Ok(h.info.base_model_hash.into_iter().collect())
        }
        t if !t.is_image() => Ok(Workflow::parse(&read(size)?).map_err(|e| e.0)?.pinned_hashes()),
        _ => Ok(Vec::new()),
    }
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

pub async fn run(a: Args) -> u8 {
    match publish(&a).await {
        Ok((actions, failed)) => {
            if a.json {
                println!("{}", serde_json::to_string_pretty(&actions).unwrap_or_default());
            } else {
                for x in &actions {
                    let file = x.file.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
                    println!("{:<13} {}{file}: {}", x.action, x.listing, x.detail);
                }
            }
            if failed { NOT_VERIFIED } else { VERIFIED }
        }
        Err(message) => {
            if a.json {
                println!("{}", json!({"error": message}));
            } else {
                eprintln!("colophon publish: {message}");
            }
            USAGE
        }
    }
}

async fn publish(a: &Args) -> Result<(Vec<Action>, bool), String> {
    let (specs, base) = match (&a.manifest, a.paths.is_empty()) {
        (Some(m), true) => {
            let text = std::fs::read_to_string(m).map_err(|e| format!("cannot read {}: {e}", m.display()))?;
            let manifest: Manifest = toml::from_str(&text).map_err(|e| format!("{}: {e}", m.display()))?;
            let base = m.parent().map(Path::to_path_buf).unwrap_or_default();
            (manifest.listings, base)
        }
        (None, false) => (infer(&a.paths, a)?, PathBuf::from(".")),
        (Some(_), false) => return Err("give a --manifest or files, not both".into()),
        (None, true) => return Err("give files to publish, or --manifest colophon.toml".into()),
    };
    if specs.is_empty() {
        return Err("the manifest lists no [[listing]]".into());
    }
    let token = std::env::var("COLOPHON_TOKEN")
        .map_err(|_| "set COLOPHON_TOKEN to an API token with the read and publish scopes (Studio → API tokens)")?;
    let key_file = std::fs::read_to_string(&a.key)
        .map_err(|e| format!("cannot read the key file {}: {e}", a.key.display()))
        .and_then(|t| KeyFile::from_json(&t).map_err(|e| format!("{}: {e}", a.key.display())))?;
    let public = key_file.check().map_err(|e| format!("{}: {e}", a.key.display()))?;
    colophon_ledger::install_tls();
    let api = Api { http: reqwest::Client::new(), server: a.server.clone(), token };

    // The token works, the account is a creator, and this key file is their active key.
    let (status, me) = api.get("/api/v1/me").await?;
    if status != 200 {
        return Err(refusal(status, &me));
    }
    if !me["scopes"].as_array().is_some_and(|s| s.iter().any(|x| x == "publish")) && !a.dry_run {
        return Err("this API token lacks the publish scope".into());
    }
    let active = me["creator"]["active_key"]["public_key"].as_str();
    if active != Some(public.to_hex().as_str()) {
        return Err(format!(
            "{} is not your active signing key on {} (active: {})",
            a.key.display(),
            a.server,
            active.unwrap_or("none")
        ));
    }
    // Unlock only when something will be signed.
    let mut key: Option<SigningKey> = None;
    let unlock = |key_file: &KeyFile| -> Result<SigningKey, String> {
        let passphrase = std::env::var("COLOPHON_KEY_PASSPHRASE")
            .map_err(|_| "set COLOPHON_KEY_PASSPHRASE to the key file's passphrase".to_owned())?;
        key_file.open(&passphrase).map_err(|e| format!("cannot unlock {}: {e}", a.key.display()))
    };

    let state_path =
        a.manifest.as_ref().and_then(|m| m.parent()).unwrap_or(Path::new(".")).join(".colophon-publish.json");
    let mut state = State::load(&state_path)?;
    let mut actions = Vec::new();
    let mut failed = false;
    let quiet = a.json || !std::io::IsTerminal::is_terminal(&std::io::stderr());

    for spec in &specs {
        let slug = spec.slug.clone();
        let act = |action, file: Option<&Path>, detail: String| Action {
            listing: slug.clone(),
            file: file.map(|f| f.display().to_string()),
            action,
            detail,
        };
        // 1. The listing: found by slug, else created as a draft.
        let (status, found) = api.get(&format!("/api/v1/studio/listings/{slug}")).await?;
        let mut listing = match status {
            200 => {
                if found["kind"] != spec.kind.as_str() {
                    actions.push(act(
                        "failed",
                        None,
                        format!("exists as a {} listing, not {}", found["kind"], spec.kind),
                    ));
                    failed = true;
                    continue;
                }
                actions.push(act(
                    "exists",
                    None,
                    format!(
                        "{} ({})",
                        found["title"].as_str().unwrap_or_default(),
                        found["status"].as_str().unwrap_or_default()
                    ),
                ));
                Some(found)
            }
            404 if a.dry_run => {
                actions.push(act("would_create", None, format!("a {} draft \"{}\"", spec.kind, spec.title)));
                None
            }
            404 => {
                let request = colophon_api::ListingRequest {
                    kind: spec.kind.clone(),
                    title: spec.title.clone(),
                    description: spec.description.clone(),
                    price_minor: price_minor(&spec.price)?,
                    edition_size: spec.edition_size,
                    sale_starts_at: spec.sale_starts_at.clone(),
                    sale_ends_at: spec.sale_ends_at.clone(),
                    per_account_cap: spec.per_account_cap,
                    royalty_bps: spec.royalty_bps,
                    tags: spec.tags.clone(),
                    license: spec.license.clone(),
                    slug: Some(slug.to_string()),
                };
                let body = serde_json::to_value(&request).map_err(|e| e.to_string())?;
                let (status, created) = api.post("/api/v1/studio/listings", &body).await?;
                if status != 201 {
                    actions.push(act("failed", None, refusal(status, &created)));
                    failed = true;
                    continue;
                }
                actions.push(act("created", None, format!("a {} draft", spec.kind)));
                Some(created)
            }
            _ => return Err(refusal(status, &found)),
        };

        // 2. Each file: skipped if a version has its hash, resumed if a run left it half-sent.
        for rel in &spec.files {
            let path = base.join(rel);
            let t = file_type(&path)?;
            if kind_of(t) != spec.kind {
                actions.push(act(
                    "failed",
                    Some(rel),
                    format!("is a {} file, the listing is a {}", kind_of(t), spec.kind),
                ));
                failed = true;
                continue;
            }
            let size = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
            let hash =
                crate::verify::hash_file(&path, !quiet).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let hex = hash.to_hex();
            let known = listing
                .as_ref()
                .and_then(|l| l["versions"].as_array())
                .is_some_and(|v| v.iter().any(|x| x["sha256"] == hex.as_str()));
            if known {
                actions.push(act("skipped", Some(rel), format!("already published ({})", &hex[..16])));
                continue;
            }
            let Some(current) = listing.as_ref() else {
                actions.push(act("would_upload", Some(rel), format!("{size} bytes, sha256 {}", &hex[..16])));
                continue;
            };
            if a.dry_run {
                actions.push(act("would_upload", Some(rel), format!("{size} bytes, sha256 {}", &hex[..16])));
                continue;
            }
            if key.is_none() {
                key = Some(unlock(&key_file)?);
            }
            let signer = key.as_ref().ok_or("no key")?;
            match upload(
                &api,
                &mut state,
                &state_path,
                current,
                &slug,
                &path,
                t,
                size,
                hash,
                signer,
                a.limit_rate,
                quiet,
            )
            .await
            {
                Ok((resumed_at, file)) => {
                    let how = if resumed_at > 0 { "resumed" } else { "uploaded" };
                    let from = if resumed_at > 0 { format!(", resumed at byte {resumed_at}") } else { String::new() };
                    actions.push(act(
                        how,
                        Some(rel),
                        format!("version {} at log index {}{from}", file["version"], file["leaf_index"]),
                    ));
                }
                Err(e) => {
                    actions.push(act("failed", Some(rel), e));
                    failed = true;
                }
            }
            let (status, fresh) = api.get(&format!("/api/v1/studio/listings/{slug}")).await?;
            if status == 200 {
                listing = Some(fresh);
            }
        }

        // 3. Publish, unless asked not to (or it already is).
        let wants = spec.publish && !a.draft;
        match listing.as_ref().map(|l| l["status"].as_str().unwrap_or_default().to_owned()) {
            Some(s) if wants && s == "draft" && a.dry_run => actions.push(act("would_publish", None, String::new())),
            Some(s) if wants && s == "draft" => {
                let (status, body) = api
                    .post(&format!("/api/v1/studio/listings/{slug}/status"), &json!({"status": "published"}))
                    .await?;
                if status == 200 {
                    actions.push(act("published", None, format!("/listings/{slug}")));
                } else {
                    actions.push(act("failed", None, refusal(status, &body)));
                    failed = true;
                }
            }
            None if wants => actions.push(act("would_publish", None, String::new())),
            _ => {}
        }
    }
    Ok((actions, failed))
}

/// Sends one file (resuming a recorded upload when the server still has it),
/// signs its statement and completes. Returns the offset resumed from and the
/// registered file.
#[allow(clippy::too_many_arguments)]
async fn upload(
    api: &Api,
    state: &mut State,
    state_path: &Path,
    listing: &Value,
    slug: &str,
    path: &Path,
    t: FileType,
    size: u64,
    hash: ContentHash,
    key: &SigningKey,
    limit_rate: Option<u64>,
    quiet: bool,
) -> Result<(u64, Value), String> {
    let parents = parents(path, t, size)?;
    let entry = format!("{slug}/{}", hash.to_hex());
    // A recorded upload the server still holds, else a new one.
    let mut up = Value::Null;
    if let Some(id) = state.uploads.get(&entry) {
        let (status, body) = api.get(&format!("/api/v1/uploads/{id}")).await?;
        if status == 200 {
            up = body;
        }
    }
    let resumed_at = up["offset"].as_u64().unwrap_or(0);
    if up.is_null() {
        let (status, body) = api
            .post("/api/v1/uploads", &json!({"listing_id": listing["id"], "size": size, "sha256": hash.to_hex()}))
            .await?;
        if status != 201 {
            return Err(refusal(status, &body));
        }
        up = body;
        state.uploads.insert(entry.clone(), up["upload_id"].as_str().unwrap_or_default().to_owned());
        state.save(state_path)?;
    }
    let id = up["upload_id"].as_str().ok_or("the server gave no upload id")?.to_owned();
    let url = format!("/api/v1/uploads/{id}");
    // Chunks of at most the server's size (and 8 MiB, so a rate limit paces smoothly).
    let chunk = up["chunk_size"].as_u64().unwrap_or(8 << 20).clamp(64 << 10, 8 << 20);
    let mut at = up["offset"].as_u64().unwrap_or(0);
    let progress = bar(size, quiet, "uploading");
    progress.set_position(at);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    while at < size {
        let n = chunk.min(size - at);
        let mut buf = vec![0u8; n as usize];
        file.seek(std::io::SeekFrom::Start(at))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let req = api.http.put(api.url(&url)).header("upload-offset", at.to_string()).body(buf);
        let (status, body) = api.send(req).await?;
        if status != 200 {
            return Err(format!("{} (run again to resume)", refusal(status, &body)));
        }
        at = body["offset"].as_u64().unwrap_or(at + n);
        sent += n;
        progress.set_position(at);
        if let Some(rate) = limit_rate.filter(|r| *r > 0) {
            let due = Duration::from_secs_f64(sent as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
    }
    progress.finish_and_clear();
    // An image's statement carries the perceptual hash the server computed from the bytes.
    let perceptual_hash = if t.is_image() {
        let (_, status) = api.get(&url).await?;
        status["perceptual_hash"].as_str().and_then(|h| hex::decode(h).ok())
    } else {
        None
    };
    let content_kind = match t {
        FileType::Safetensors => ContentKind::Lora,
        t if t.is_image() => ContentKind::EditionImage,
        _ => ContentKind::Workflow,
    };
    let signed = Statement::ContentRegistered {
        content_hash: hash,
        content_kind,
        size,
        creator_key: key.public_key().key_id(),
        listing_id: up["listing_ref"].as_str().unwrap_or_default().to_owned(),
        file_id: up["file_id"].as_str().unwrap_or_default().to_owned(),
        parents,
        license_terms: listing["license_hash"].as_str().and_then(|h| ContentHash::parse(h).ok()),
        perceptual_hash,
        time_ms: u64::try_from(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis(),
        )
        .map_err(|e| e.to_string())?,
    }
    .sign(key)
    .map_err(|e| format!("cannot sign: {e}"))?;
    let body = json!({"statement_hex": hex::encode(&signed.bytes), "signature_hex": hex::encode(signed.signature)});
    let (status, file) = api.post(&format!("{url}/complete"), &body).await?;
    if status != 201 {
        return Err(refusal(status, &file));
    }
    state.uploads.remove(&entry);
    state.save(state_path)?;
    Ok((resumed_at, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_slugs() {
        assert_eq!(price_minor("25"), Ok(2500));
        assert_eq!(price_minor("12.5"), Ok(1250));
        assert!(price_minor("12.505").is_err());
        assert!(price_minor("-1").is_err());
    }

    #[test]
    fn a_manifest_names_its_listings_and_refuses_unknown_keys() {
        let m: Manifest = toml::from_str(
            "[[listing]]\nslug = \"tide\"\nkind = \"edition\"\ntitle = \"Tide\"\nprice = \"25\"\nedition_size = 5\nfiles = [\"tide.png\"]\n[listing.license]\ncredit_required = true\n",
        )
        .expect("manifest");
        assert_eq!(m.listings.len(), 1);
        assert!(m.listings[0].publish && m.listings[0].license.credit_required);
        let err = toml::from_str::<Manifest>("[[listing]]\nslug = \"x\"\ncolour = 1\n").expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
