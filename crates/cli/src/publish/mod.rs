//! `colophon publish`: the end of a creator's pipeline. Lists files (from a
//! TOML manifest, or inferred from the files themselves), signs each file's
//! `ContentRegistered` statement here with the creator's key file, uploads
//! with a progress bar, resumes interrupted uploads, and skips what is
//! already published — so re-running it is a no-op. `--dry-run` only says
//! what it would do. The server gets an API token (`COLOPHON_TOKEN`, scopes
//! `read` + `publish`), never the key.

mod manifest;
mod upload;

use std::path::{Path, PathBuf};

use colophon_api::ListingRequest;
use colophon_catalog::registration::listing_kind;
use colophon_provenance::{SigningKey, keyfile::KeyFile};
use serde::Serialize;
use serde_json::json;

use crate::client::{Api, Refusal};
use crate::{NOT_VERIFIED, USAGE, VERIFIED};
use manifest::Manifest;
use upload::{State, file_type};

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

/// What one run did, for the summary and `--json`.
#[derive(Debug, Serialize)]
struct Action {
    listing: String,
    file: Option<String>,
    /// created | exists | would_create | uploaded | resumed | skipped | would_upload | published | would_publish | failed
    action: &'static str,
    detail: String,
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
        (None, false) => (manifest::infer(&a.paths, a)?, PathBuf::from(".")),
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
    let api = Api::new(&a.server, token);

    // The token works, the account is a creator, and this key file is their active key.
    let me = api.me().await?;
    if !me.scopes.contains(&colophon_api::Scope::Publish) && !a.dry_run {
        return Err("this API token lacks the publish scope".into());
    }
    let active = me.creator.as_ref().and_then(|c| c.active_key.as_ref()).map(|k| k.public_key.as_str());
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
        let mut listing = match api.listing(&slug).await? {
            Some(found) => {
                if found.kind.as_str() != spec.kind {
                    actions.push(act(
                        "failed",
                        None,
                        format!("exists as a {} listing, not {}", found.kind.as_str(), spec.kind),
                    ));
                    failed = true;
                    continue;
                }
                actions.push(act("exists", None, format!("{} ({})", found.title, found.status.as_str())));
                Some(found)
            }
            None if a.dry_run => {
                actions.push(act("would_create", None, format!("a {} draft \"{}\"", spec.kind, spec.title)));
                None
            }
            None => {
                let request = ListingRequest {
                    kind: spec.kind.clone(),
                    title: spec.title.clone(),
                    description: spec.description.clone(),
                    price_minor: manifest::price_minor(&spec.price)?,
                    edition_size: spec.edition_size,
                    sale_starts_at: spec.sale_starts_at.clone(),
                    sale_ends_at: spec.sale_ends_at.clone(),
                    per_account_cap: spec.per_account_cap,
                    royalty_bps: spec.royalty_bps,
                    tags: spec.tags.clone(),
                    license: spec.license.clone(),
                    slug: Some(slug.to_string()),
                };
                match api.create_listing(&request).await {
                    Ok(created) => {
                        actions.push(act("created", None, format!("a {} draft", spec.kind)));
                        Some(created)
                    }
                    Err(e @ Refusal::Refused(..)) => {
                        actions.push(act("failed", None, e.to_string()));
                        failed = true;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };

        // 2. Each file: skipped if a version has its hash, resumed if a run left it half-sent.
        for rel in &spec.files {
            let path = base.join(rel);
            let t = file_type(&path)?;
            let kind = listing_kind(t);
            if kind.as_str() != spec.kind {
                actions.push(act(
                    "failed",
                    Some(rel),
                    format!("is a {} file, the listing is a {}", kind.as_str(), spec.kind),
                ));
                failed = true;
                continue;
            }
            let size = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
            let hash =
                crate::verify::hash_file(&path, !quiet).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let hex = hash.to_hex();
            let known = listing.as_ref().is_some_and(|l| l.versions.iter().any(|v| v.sha256 == hex));
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
            let file = upload::File { path: &path, kind, size, hash };
            let pace = upload::Pace { limit_rate: a.limit_rate, quiet };
            match upload::upload(&api, &mut state, &state_path, current, &file, signer, pace).await {
                Ok((resumed_at, file)) => {
                    let how = if resumed_at > 0 { "resumed" } else { "uploaded" };
                    let from = if resumed_at > 0 { format!(", resumed at byte {resumed_at}") } else { String::new() };
                    actions.push(act(
                        how,
                        Some(rel),
                        format!("version {} at log index {}{from}", file.version, file.leaf_index),
                    ));
                }
                Err(e) => {
                    actions.push(act("failed", Some(rel), e));
                    failed = true;
                }
            }
            if let Ok(Some(fresh)) = api.listing(&slug).await {
                listing = Some(fresh);
            }
        }

        // 3. Publish, unless asked not to (or it already is).
        let wants = spec.publish && !a.draft;
        let draft = Some(colophon_api::ListingStatus::Draft);
        match listing.as_ref().map(|l| l.status) {
            s if wants && s == draft && a.dry_run => actions.push(act("would_publish", None, String::new())),
            s if wants && s == draft => match api.set_status(&slug, "published").await {
                Ok(_) => actions.push(act("published", None, format!("/listings/{slug}"))),
                Err(e @ Refusal::Refused(..)) => {
                    actions.push(act("failed", None, e.to_string()));
                    failed = true;
                }
                Err(e) => return Err(e.into()),
            },
            None if wants => actions.push(act("would_publish", None, String::new())),
            _ => {}
        }
    }
    Ok((actions, failed))
}
