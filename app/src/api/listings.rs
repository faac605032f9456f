//! The creator's listings: create drafts with terms, list them, publish and archive.

// `create_listing` takes one argument per form field (what `ActionForm` posts).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
#[cfg(feature = "ssr")]
use crate::types::ListingKind;

pub use colophon_api::{FileVersion, LicenseRequest, ListingRequest, StudioListing};

#[cfg(feature = "ssr")]
pub fn to_kind(k: colophon_store::ListingKind) -> ListingKind {
    match k {
        colophon_store::ListingKind::Edition => ListingKind::Edition,
        colophon_store::ListingKind::Workflow => ListingKind::Workflow,
        colophon_store::ListingKind::Lora => ListingKind::Lora,
    }
}

#[cfg(feature = "ssr")]
pub fn to_studio(l: colophon_store::OwnedListing, files: Vec<colophon_store::FileRow>) -> StudioListing {
    let terms: Option<colophon_formats::LicenseTerms> = serde_json::from_str(&l.license_json).ok();
    StudioListing {
        id: l.id,
        slug: l.slug,
        kind: to_kind(l.kind),
        title: l.title,
        status: l.status.as_str().to_owned(),
        price_minor: l.price_minor,
        currency: l.currency,
        edition_size: l.edition_size,
        sold: l.sold,
        files: l.files,
        license_hash: l.license_hash.map(|h| colophon_provenance::ContentHash(h).to_hex()).unwrap_or_default(),
        license_words: terms.map(|t| t.plain_words()).unwrap_or_default(),
        versions: files
            .into_iter()
            .map(|f| FileVersion {
                version: f.version,
                file_id: f.id,
                sha256: colophon_provenance::ContentHash(f.sha256).to_hex(),
                alt_hash: f.alt_hash.map(|h| colophon_provenance::ContentHash(h).to_hex()),
                file_type: f.file_type,
                size: f.size,
                leaf_index: f.log_leaf,
                details: serde_json::from_str(&f.details).unwrap_or_default(),
            })
            .collect(),
    }
}

/// The signed-in creator's listings, newest first.
#[server(endpoint = "listings/mine")]
pub async fn my_listings() -> Result<Vec<StudioListing>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let mut out = Vec::new();
            for l in store.creator_listings(creator.id).await? {
                let files = store.listing_files(l.id).await?;
                out.push(to_studio(l, files));
            }
            Ok(out)
        }
        .await,
    )
}

/// Parses "12.50" into minor units (cents).
pub fn parse_price(input: &str) -> Result<i64, String> {
    let s = input.trim().trim_start_matches('$');
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err("Enter a price, e.g. 25 or 12.50.".into());
    }
    if frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter a price like 25 or 12.50.".into());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "The price is too large.")? };
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| "Enter a price like 12.50.")?;
    let minor = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or("The price is too large.")?;
    if minor > 100_000_000 {
        return Err("Prices are limited to 1,000,000.".into());
    }
    Ok(minor)
}

/// Whether `slug` may name a listing.
pub fn valid_slug(slug: &str) -> bool {
    (1..=60).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Checks a request and stores the draft for `creator_id`.
#[cfg(feature = "ssr")]
pub async fn create_draft(
    store: &colophon_store::Store,
    creator_id: i64,
    req: ListingRequest,
) -> Result<StudioListing, ApiError> {
    let bad = |m: &str| ApiError::BadRequest(m.to_owned());
    let kind = match req.kind.as_str() {
        "edition" => colophon_store::ListingKind::Edition,
        "workflow" => colophon_store::ListingKind::Workflow,
        "lora" => colophon_store::ListingKind::Lora,
        _ => return Err(bad("Choose what you are listing: an edition, a workflow or a LoRA.")),
    };
    let title = req.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(bad("Titles are 1–200 characters."));
    }
    if req.description.chars().count() > 10_000 {
        return Err(bad("Descriptions are limited to 10,000 characters."));
    }
    if !(0..=100_000_000).contains(&req.price_minor) {
        return Err(bad("Prices are 0 to 1,000,000 (price_minor 0–100,000,000)."));
    }
    let edition_size = match (kind, req.edition_size) {
        (colophon_store::ListingKind::Edition, None) => return Err(bad("Editions need a size (1–10,000).")),
        (colophon_store::ListingKind::Edition, Some(n)) if !(1..=10_000).contains(&n) => {
            return Err(bad("Edition sizes are 1–10,000."));
        }
        (colophon_store::ListingKind::Edition, n) => n,
        _ => None,
    };
    if req.per_account_cap.is_some_and(|c| c < 1) {
        return Err(bad("The per-account cap must be at least 1."));
    }
    let time = |v: &Option<String>, what: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&chrono::Utc)))
                .or_else(|_| {
                    // <input type="datetime-local"> sends "2026-12-01T18:00" (taken as UTC).
                    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map(|t| Some(t.and_utc()))
                })
                .map_err(|_| ApiError::BadRequest(format!("{what} is not a date and time."))),
        }
    };
    let starts = time(&req.sale_starts_at, "The sale start")?;
    let ends = time(&req.sale_ends_at, "The sale end")?;
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        return Err(bad("The sale must end after it starts."));
    }
    let mut tags: Vec<String> =
        req.tags.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty() && !t.contains(',')).collect();
    tags.dedup();
    if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 40) || req.tags.iter().any(|t| t.contains(',')) {
        return Err(bad("Up to 20 tags of at most 40 characters each, without commas."));
    }
    let terms = colophon_formats::LicenseTerms {
        version: 1,
        personal_use: true,
        commercial_use: req.license.commercial_use,
        derivatives: req.license.derivatives,
        credit_required: req.license.credit_required,
        redistribution: req.license.redistribution,
        notes: req.license.notes.trim().to_owned(),
    };
    terms.validate().map_err(|e| ApiError::BadRequest(e.0))?;
    let license_json = serde_json::to_string(&terms).map_err(|_| bad("Invalid licence terms."))?;
    let requested = match req.slug.as_deref().map(str::trim) {
        Some(s) if !valid_slug(s) => {
            return Err(bad("A slug is 1–60 of a–z, 0–9 and '-', not starting or ending with '-'."));
        }
        other => other,
    };
    let slug = requested.map_or_else(|| slugify(title), str::to_owned);
    let now = chrono::Utc::now();
    let tags = tags.join(",");
    let description = req.description.trim();
    // A derived slug may be taken: add a short random suffix until it is free.
    let mut candidate = slug.clone();
    let id = loop {
        let d = colophon_store::ListingDraft {
            creator_id,
            slug: &candidate,
            kind,
            title,
            description,
            price_minor: req.price_minor,
            currency: "USD",
            edition_size,
            sale_starts_at: starts,
            sale_ends_at: ends,
            per_account_cap: req.per_account_cap,
            tags: &tags,
            license_json: &license_json,
            license_hash: terms.hash().0,
            created_at: now,
        };
        match store.create_draft(&d).await {
            Err(colophon_store::StoreError::Conflict { .. }) if requested.is_some() => {
                return Err(ApiError::Conflict(format!("A listing with the slug {candidate:?} already exists.")));
            }
            Err(colophon_store::StoreError::Conflict { .. }) => candidate = format!("{slug}-{}", suffix()),
            other => break other?,
        }
    };
    let listing = store.owned_listing(id).await?.ok_or_else(|| ApiError::Unavailable("Try again.".into()))?;
    Ok(to_studio(listing, Vec::new()))
}

/// Creates a draft listing from the Studio's form. Checkbox fields arrive only when ticked.
#[server(endpoint = "listings/create")]
pub async fn create_listing(
    kind: String,
    title: String,
    description: String,
    price: String,
    edition_size: Option<String>,
    sale_starts_at: Option<String>,
    sale_ends_at: Option<String>,
    per_account_cap: Option<String>,
    tags: Option<String>,
    commercial_use: Option<String>,
    derivatives: Option<String>,
    credit_required: Option<String>,
    redistribution: Option<String>,
    license_notes: Option<String>,
) -> Result<StudioListing, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let num = |v: &Option<String>, what: &str| -> Result<Option<i64>, ApiError> {
                match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => Ok(None),
                    Some(s) => {
                        s.parse().map(Some).map_err(|_| ApiError::BadRequest(format!("{what} must be a whole number.")))
                    }
                }
            };
            let req = ListingRequest {
                kind,
                title,
                description,
                price_minor: parse_price(&price).map_err(ApiError::BadRequest)?,
                edition_size: num(&edition_size, "The edition size")?,
                sale_starts_at,
                sale_ends_at,
                per_account_cap: num(&per_account_cap, "The per-account cap")?,
                tags: tags.unwrap_or_default().split(',').map(str::to_owned).collect(),
                license: LicenseRequest {
                    commercial_use: commercial_use.is_some(),
                    derivatives: derivatives.is_some(),
                    credit_required: credit_required.is_some(),
                    redistribution: redistribution.is_some(),
                    notes: license_notes.unwrap_or_default(),
                },
                slug: None,
            };
            create_draft(&store, creator.id, req).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(60).collect::<String>();
    if slug.is_empty() { format!("listing-{}", suffix()) } else { slug }
}

#[cfg(feature = "ssr")]
fn suffix() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    format!("{:06x}", OsRng.next_u32() & 0xFF_FFFF)
}

/// Publishes or archives one of `creator_id`'s listings.
#[cfg(feature = "ssr")]
pub async fn change_status(
    store: &colophon_store::Store,
    creator_id: i64,
    listing_id: i64,
    status: &str,
) -> Result<StudioListing, ApiError> {
    let target = match status {
        "published" => colophon_store::ListingStatus::Published,
        "archived" => colophon_store::ListingStatus::Archived,
        _ => return Err(ApiError::BadRequest("A listing can be published or archived.".into())),
    };
    let listing = store
        .owned_listing(listing_id)
        .await?
        .filter(|l| l.creator_id == creator_id)
        .ok_or_else(|| ApiError::Forbidden("That listing is not yours.".into()))?;
    if !store.set_listing_status(listing.id, creator_id, target, chrono::Utc::now()).await? {
        return Err(ApiError::BadRequest(match target {
            colophon_store::ListingStatus::Published => "Upload a signed file before publishing.".into(),
            _ => "Only published listings can be archived.".into(),
        }));
    }
    let listing = store.owned_listing(listing.id).await?.ok_or_else(|| ApiError::Unavailable("Try again.".into()))?;
    let files = store.listing_files(listing.id).await?;
    Ok(to_studio(listing, files))
}

/// Publishes or archives one of the creator's listings.
#[server(endpoint = "listings/status")]
pub async fn set_listing_status(listing_id: i64, status: String) -> Result<StudioListing, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            change_status(&store, creator.id, listing_id, &status).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::parse_price;

    #[test]
    fn prices() {
        assert_eq!(parse_price("25"), Ok(2500));
        assert_eq!(parse_price("$12.5"), Ok(1250));
        assert_eq!(parse_price("0.99"), Ok(99));
        assert!(parse_price("1.999").is_err());
        assert!(parse_price("-3").is_err());
        assert!(parse_price("abc").is_err());
        assert!(parse_price("").is_err());
        assert!(parse_price("99999999999999999999").is_err());
    }
}

/// One of the creator's LoRAs or workflows credited by a published work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credited {
    pub yours_title: String,
    pub yours_slug: String,
    pub work: crate::api::store::CreditView,
}

/// Where the signed-in creator's listings were used ("used in" across their listings).
#[server(endpoint = "listings/credited")]
pub async fn my_credits() -> Result<Vec<Credited>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let mut out = Vec::new();
            for l in store.creator_listings(creator.id).await? {
                if l.kind == colophon_store::ListingKind::Edition {
                    continue;
                }
                for c in store.used_in(l.id).await? {
                    out.push(Credited {
                        yours_title: l.title.clone(),
                        yours_slug: l.slug.clone(),
                        work: crate::api::store::CreditView {
                            credited_as: c.kind,
                            slug: c.slug,
                            title: c.title,
                            kind: c.listing_kind,
                            creator: c.creator,
                        },
                    });
                }
            }
            Ok(out)
        }
        .await,
    )
}
